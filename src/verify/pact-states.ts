/**
 * Pact provider states: names, for one recorded call, what the session's state had to hold for the answer
 * the client saw ("platform-sync school 101 exists", "a platform-sync token was issued"), each with the
 * `POST /__mock/state` records that set it up (its params). Reads the calls of a flow in order, so a record a
 * call relied on is seeded as an earlier call of the flow wrote it. Knows nothing of the pact file's format.
 */
import type { CallRecord } from '../journal/call-record.js';
import type { JsonObject } from '../contract/types.js';

export interface ProviderState {
  name: string;
  /** What `POST /__mock/pact/states` seeds for this state: `{ api: { collection: [records] } }`, as `POST /__mock/state` takes. */
  params: JsonObject;
}

/** Turns a masked value (or any secret) into the example the pact carries instead; the same value, the same example. */
export type Placeholder = (value: unknown, field: string) => unknown;

const obj = (v: unknown): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});
const success = (call: CallRecord, codes: string[]): boolean => call.response.code !== null && codes.includes(call.response.code);
const without = (record: JsonObject, ...keys: string[]): JsonObject => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));

/** Per-API knowledge of what a call needs; one instance per flow (it remembers what earlier calls wrote). */
export class ProviderStates {
  private readonly written = new Map<string, JsonObject>();
  /** ios-datasyn: masked login token → who logged in on which device. */
  private readonly logins = new Map<unknown, { loginName: string; device: string; userId: number }>();
  private readonly iosUsers = new Map<string, { userId: number }>();

  constructor(private readonly placeholder: Placeholder) {}

  /** The states `call` needed, then remembers what it wrote. A masked value anywhere in a state's records becomes its placeholder. */
  of(call: CallRecord): ProviderState[] {
    const states = this.needed(call).map((s) => ({ name: s.name, params: this.unmasked(s.params, '') as JsonObject }));
    this.remember(call);
    return states;
  }

  private unmasked(value: unknown, field: string): unknown {
    if (typeof value === 'string') return this.placeholder(value, field);
    if (Array.isArray(value)) return value.map((v) => this.unmasked(v, field));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.unmasked(v, k)]));
    return value;
  }

  private record(api: string, collection: string, key: unknown, fallback: JsonObject): JsonObject {
    return this.written.get(`${api} ${collection} ${String(key)}`) ?? fallback;
  }

  private needed(call: CallRecord): ProviderState[] {
    const body = obj(call.request.body);
    const states: ProviderState[] = [];
    const ph = this.placeholder;
    switch (call.api) {
      case 'platform-sync': {
        const ok = success(call, ['200']);
        if (call.operationId === 'channelToken' && body['appid'] !== undefined) {
          states.push({ name: `platform-sync app ${String(body['appid'])} exists`, params: { 'platform-sync': { apps: [{ appid: body['appid'], secret: ph(body['secret'], 'secret') }] } } });
        } else if (body['access_token'] !== undefined && (ok || call.operationId !== 'channelToken')) {
          states.push({ name: 'a platform-sync token was issued', params: { 'platform-sync': { tokens: [{ access_token: ph(body['access_token'], 'access_token'), appid: 'demo-app' }] } } });
        }
        if (!ok) break;
        const school = body['otherSchoolId'] ?? (call.operationId === 'syncDeleteOrganMetadata' ? lastSegment(call.path) : undefined);
        const klass = body['otherClassId'] ?? (call.operationId === 'syncDeleteClassMetadata' ? lastSegment(call.path) : undefined);
        const user = call.operationId === 'syncDeleteUserMetadata' ? lastSegment(call.path) : undefined;
        if (school !== undefined) states.push({ name: `platform-sync school ${String(school)} exists`, params: { 'platform-sync': { schools: [this.record('platform-sync', 'schools', school, { otherId: school, organName: `学校${String(school)}`, organKind: 1, provinceName: '湖北省', cityName: '武汉市', areaName: '江岸区' })] } } });
        if (klass !== undefined) states.push({ name: `platform-sync class ${String(klass)} exists`, params: { 'platform-sync': { classes: [this.record('platform-sync', 'classes', klass, { otherId: klass, className: `班级${String(klass)}`, gradeName: '2018级', otherSchoolId: school ?? 0 })] } } });
        if (user !== undefined) states.push({ name: `platform-sync user ${String(user)} exists`, params: { 'platform-sync': { users: [this.record('platform-sync', 'users', user, { uid: user, type: 2, username: `用户${String(user)}`, otherSchoolId: 0, otherClassId: 0 })] } } });
        break;
      }
      case 'wuhan-eduyun': {
        const token = call.query['access_token'];
        if (token !== undefined && token !== '') states.push({ name: 'a wuhan-eduyun access token was issued', params: { 'wuhan-eduyun': { tokens: [{ access_token: ph(token, 'access_token') }] } } });
        const org = call.query['org_id'];
        const result = obj(obj(call.response.body)['result']);
        if (org !== undefined && success(call, ['000000'])) states.push({ name: `wuhan-eduyun org ${String(org)} exists`, params: { 'wuhan-eduyun': { orgs: [{ ...result, org_id: org }] } } });
        break;
      }
      case 'ios-datasyn': {
        if (call.operationId === 'login' && success(call, ['1'])) {
          const loginName = String(body['loginName']);
          states.push({ name: `ios-datasyn user ${loginName} is registered`, params: { 'ios-datasyn': { users: [{ loginName, password: ph(body['password'], 'password'), userId: this.iosUsers.get(loginName)?.userId ?? 1 }] } } });
        }
        const login = body['token'] !== undefined ? this.logins.get(body['token']) : undefined;
        if (login) {
          states.push({
            name: `ios-datasyn user ${login.loginName} logged in on ${login.device}`,
            params: { 'ios-datasyn': { users: [{ loginName: login.loginName, userId: login.userId }], tokens: [{ token: ph(body['token'], 'token'), userId: login.userId, device: login.device, loginName: login.loginName }] } },
          });
        }
        break;
      }
      case 'wx-push': {
        const id = body['id'] ?? call.query['id'];
        if (id !== undefined && call.operationId !== 'addPushProject' && success(call, ['200'])) {
          states.push({ name: `wx-push project ${String(id)} exists`, params: { 'wx-push': { projects: [this.record('wx-push', 'projects', id, { id, url: 'http://127.0.0.1:9/hook', project: `project-${String(id)}`, statu: 0 })] } } });
        }
        if (call.operationId === 'queryPushProject' && success(call, ['200'])) {
          const items = obj(call.response.body)['data'];
          if (Array.isArray(items) && items.length) states.push({ name: `wx-push projects ${items.map((p) => String(obj(p)['id'])).join(', ')} exist`, params: { 'wx-push': { projects: items } } });
        }
        break;
      }
    }
    return states;
  }

  private remember(call: CallRecord): void {
    const body = obj(call.request.body);
    const data = obj(obj(call.response.body)['data']);
    const put = (collection: string, key: unknown, record: JsonObject): void => void this.written.set(`${call.api} ${collection} ${String(key)}`, record);
    if (call.api === 'platform-sync' && success(call, ['200'])) {
      if (call.operationId === 'syncSaveOrganMetadata') put('schools', body['otherId'], without(body, 'access_token'));
      if (call.operationId === 'syncSaveClassMetadata') put('classes', body['otherId'], without(body, 'access_token'));
      if (call.operationId === 'syncSaveUserMetadata') put('users', body['uid'], without(body, 'access_token'));
    }
    if (call.api === 'wx-push' && success(call, ['200']) && data['id'] !== undefined) put('projects', data['id'], data);
    if (call.api === 'ios-datasyn' && success(call, ['1'])) {
      if (call.operationId === 'register') this.iosUsers.set(String(body['loginName']), { userId: Number(data['userId']) });
      if (call.operationId === 'login') {
        const loginName = String(body['loginName']);
        this.logins.set(data['token'], { loginName, device: String(body['synDevice']), userId: this.iosUsers.get(loginName)?.userId ?? 1 });
      }
    }
  }
}

/** The id at the end of a path: a number when it is one (the path parameters of the four APIs are integers). */
function lastSegment(path: string): string | number {
  const id = decodeURIComponent(path.split('?')[0]!.split('/').pop() ?? '');
  return /^-?\d{1,15}$/.test(id) ? Number(id) : id;
}
