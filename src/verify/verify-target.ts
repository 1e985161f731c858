/**
 * Provider verification: sends contract-derived requests and stateful flows to a real server (or
 * the mock, or Prism) and checks every answer against the same contracts. Returns a report; knows
 * nothing of consoles or files (see reporters.ts).
 */
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject, Operation, Violation } from '../contract/types.js';
import { checkResponse } from './check-response.js';
import { exampleCases, generatedCases, negativeCases, toRequest, type OutgoingRequest, type RequestParts } from './build-requests.js';

export interface Credentials {
  /** platform-sync app */
  appid: string;
  secret: string;
  /** wuhan-eduyun access token and an org it can read */
  wuhanToken: string;
  orgId: string;
}

export const DEFAULT_CREDENTIALS: Credentials = { appid: 'demo-app', secret: 'demo-secret', wuhanToken: 'demo-token', orgId: 'demo-org' };

export interface VerifyOptions {
  target: string;
  apis?: ApiName[];
  seed: number;
  concurrency: number;
  /** Schema-generated requests per operation. */
  generated: number;
  credentials: Credentials;
  /** Sent as X-Mock-Session, so runs against a mock never share state (a real server ignores it). */
  session: string;
  timeoutMs: number;
  onProgress?: (done: number, total: number, label: string) => void;
}

export type CheckKind = 'example' | 'generated' | 'negative' | 'flow' | 'pact';

export interface CheckResult {
  api: ApiName;
  operationId: string;
  kind: CheckKind;
  name: string;
  ok: boolean;
  failures: Violation[];
  request: OutgoingRequest & { url: string };
  response?: { status: number; contentType?: string; body: unknown };
  durationMs: number;
}

export interface VerificationReport {
  target: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  summary: { total: number; passed: number; failed: number; byApi: Record<string, { total: number; failed: number }> };
}

interface Sent {
  result: CheckResult;
  body: unknown;
  code: string | undefined;
}

function flowFailure(message: string, pointer = ''): Violation {
  return { side: 'response', pointer, rule: 'flow', message };
}

export async function verifyTarget(contract: Contract, options: VerifyOptions): Promise<VerificationReport> {
  const started = Date.now();
  const base = options.target.replace(/\/+$/, '');
  const apis = options.apis?.length ? options.apis : [...contract.apis.keys()];
  const ops = contract.operations.filter((o) => apis.includes(o.api));
  const byId = (id: string): Operation => {
    const op = contract.operations.find((o) => o.operationId === id);
    if (!op) throw new Error(`no operation ${id}`);
    return op;
  };

  async function send(op: Operation, kind: CheckKind, name: string, parts: RequestParts, expectKey?: string): Promise<Sent> {
    const dialect = contract.apis.get(op.api)!.dialect;
    const request = toRequest(op, parts);
    request.headers['x-mock-session'] = options.session;
    const url = base + request.path;
    const t0 = performance.now();
    const result: CheckResult = { api: op.api, operationId: op.operationId, kind, name, ok: false, failures: [], request: { ...request, url }, durationMs: 0 };
    let body: unknown;
    let code: string | undefined;
    try {
      const res = await fetch(url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? undefined;
      const check = checkResponse(op, dialect, { status: res.status, contentType, text });
      body = check.body;
      code = check.code;
      result.response = { status: res.status, contentType, body };
      result.failures.push(...check.failures);
      if (expectKey !== undefined && !op.dialect.hasEnvelope) {
        // A served spec's refusal is its HTTP status, not a business code.
        if (res.status < 400 || res.status > 499) result.failures.push(flowFailure(`expected a 4xx refusal, got HTTP ${res.status}`));
      } else if (expectKey !== undefined) {
        const expected = dialect.entry(expectKey)?.code ?? expectKey;
        if (code !== expected) result.failures.push(flowFailure(`expected business code ${expected} (${dialect.entry(expectKey)?.message ?? ''}), got ${code ?? 'none'}`));
      }
    } catch (e) {
      const err = e as Error & { cause?: Error };
      result.failures.push({ side: 'response', pointer: '', rule: 'network', message: `${err.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : err.message}${err.cause ? `: ${err.cause.message}` : ''}` });
    }
    result.durationMs = Math.round(performance.now() - t0);
    result.ok = result.failures.length === 0;
    return { result, body, code };
  }

  // Independent checks: examples, generated requests, negative cases.
  const tasks: Array<() => Promise<CheckResult>> = [];
  for (const op of ops) {
    for (const c of exampleCases(op)) tasks.push(async () => (await send(op, 'example', c.name, c.parts)).result);
    for (const c of generatedCases(op, options.generated, options.seed)) {
      tasks.push(async () => {
        const sent = await send(op, 'generated', c.name, c.parts);
        if (!op.dialect.hasEnvelope) {
          const status = sent.result.response?.status;
          if (status === 400 || status === 422) {
            sent.result.failures.push({ side: 'response', pointer: '', rule: 'valid-request-refused', message: `a request that meets the schema was refused with HTTP ${status}` });
            sent.result.ok = false;
          }
          return sent.result;
        }
        const dialect = contract.apis.get(op.api)!.dialect;
        const codeOf = (k: string): string | undefined => dialect.entry(k)?.code;
        const refused = [op.paramError, op.jsonError].map(codeOf);
        // Where one code means both "bad parameters" and "bad token" (wuhan-eduyun 100001), a refusal says nothing.
        const ambiguous = (['unauthorized', 'serverError'] as const).some((r) => refused.includes(codeOf(dialect.role(r))));
        if (!ambiguous && sent.code !== undefined && refused.includes(sent.code) && !dialect.isSuccess(sent.code)) {
          sent.result.failures.push({ side: 'response', pointer: '', rule: 'valid-request-refused', message: `a request that meets the schema was answered with the parameter error ${sent.code}` });
          sent.result.ok = false;
        }
        return sent.result;
      });
    }
    for (const c of negativeCases(op)) tasks.push(async () => (await send(op, 'negative', c.name, c.parts, c.expect)).result);
  }
  const flows = apis.map((api) => () => runFlow(api));
  const total = tasks.length + flowStepCount(apis);
  let done = 0;
  const checks: CheckResult[] = [];
  const record = (r: CheckResult): void => {
    checks.push(r);
    options.onProgress?.(++done, total, `${r.api} ${r.operationId} ${r.name}`);
  };

  async function runFlow(api: ApiName): Promise<void> {
    const step = async (label: string, operationId: string, parts: Partial<RequestParts>, expectKey: string, check?: (body: JsonObject) => string | undefined): Promise<JsonObject> => {
      const sent = await send(byId(operationId), 'flow', `${api} flow: ${label}`, { path: {}, query: {}, ...parts }, expectKey);
      const body = (sent.body && typeof sent.body === 'object' ? sent.body : {}) as JsonObject;
      const problem = sent.code !== undefined ? check?.(body) : undefined;
      if (problem) {
        sent.result.failures.push(flowFailure(problem));
        sent.result.ok = false;
      }
      record(sent.result);
      return body;
    };
    const run = `${options.seed}${Date.now().toString(36)}`;
    const data = (b: JsonObject): JsonObject => (b['data'] ?? {}) as JsonObject;
    const c = options.credentials;
    if (api === 'platform-sync') {
      const id = 700_000_000 + (Number.parseInt(run.slice(-6), 36) % 100_000_000);
      const tok = await step('get a token', 'channelToken', { body: { appid: c.appid, secret: c.secret } }, '200', (b) => (typeof data(b)['access_token'] === 'string' ? undefined : 'data.access_token is missing'));
      const t = String(data(tok)['access_token'] ?? '');
      const school = { access_token: t, organName: 'contract-mock 验证学校', organKind: 2, provinceName: '湖北省', cityName: '武汉市', areaName: '武昌区', otherId: id };
      await step('save a school', 'syncSaveOrganMetadata', { body: school }, '200', (b) => (data(b)['otherId'] === id ? undefined : `data.otherId is ${String(data(b)['otherId'])}, expected ${id}`));
      await step('save a class in it', 'syncSaveClassMetadata', { body: { access_token: t, className: '验证班', gradeName: '2018级', otherSchoolId: id, otherId: id } }, '200');
      await step('save a user in the class', 'syncSaveUserMetadata', { body: { access_token: t, uid: id, username: '验证用户', type: 1, sex: 0, otherSchoolId: id, otherClassId: id } }, '200', (b) => (data(b)['uid'] === id ? undefined : 'data.uid is not the saved uid'));
      await step('delete the user', 'syncDeleteUserMetadata', { path: { uid: id }, body: { access_token: t } }, '200');
      await step('delete the user again: 40430', 'syncDeleteUserMetadata', { path: { uid: id }, body: { access_token: t } }, '40430');
      await step('save a class in a school that does not exist: 40410', 'syncSaveClassMetadata', { body: { access_token: t, className: '验证班', gradeName: '2018级', otherSchoolId: id + 1, otherId: id + 1 } }, '40410');
      await step('delete the class', 'syncDeleteClassMetadata', { path: { otherId: id }, body: { access_token: t } }, '200');
      await step('delete the school', 'syncDeleteOrganMetadata', { path: { otherId: id }, body: { access_token: t } }, '200');
      await step('delete the school again: 40410', 'syncDeleteOrganMetadata', { path: { otherId: id }, body: { access_token: t } }, '40410');
      await step('renew the token', 'channelToken', { body: { access_token: t } }, '200', (b) => (data(b)['access_token'] === t ? undefined : 'renewal answered another token'));
      await step('a wrong secret: 40001', 'channelToken', { body: { appid: c.appid, secret: `${c.secret}-wrong` } }, '40001');
      await step('an unknown token: 403', 'syncSaveOrganMetadata', { body: { ...school, access_token: 'contract-mock-unknown-token' } }, '403');
    } else if (api === 'ios-datasyn') {
      const loginName = `cmverify${run}`;
      const profile = { loginName, password: 'verify-pw', realName: '验证用户', sex: 1, school: '验证学校', grade: '1班', classNum: 1, englishscore: 100 };
      const reg = await step('register', 'register', { body: profile }, '1', (b) => (Number.isInteger(data(b)['userId']) ? undefined : 'data.userId is not an integer'));
      const userId = Number(data(reg)['userId']);
      await step('register again: 2000', 'register', { body: profile }, '2000');
      const login = await step('login', 'login', { body: { loginName, password: 'verify-pw', synDevice: 'cm-verify-A' } }, '1', (b) =>
        String(data(b)['token']).startsWith(`${userId}:`) ? undefined : `token ${String(data(b)['token'])} does not start with the userId ${userId}`,
      );
      await step('login with a wrong password: 2001', 'login', { body: { loginName, password: 'wrong', synDevice: 'cm-verify-A' } }, '2001');
      const token = String(data(login)['token']);
      const tables = ['user', 'Usercard', 'Userlearningstyle', 'usertestcount', 'userresource', 'usertest', 'userword'];
      const metas = (v: (t: string) => number) => ({ tablemeta: tables.map((t) => ({ synTable: t, version: v(t), lastModTime: null })) });
      await step('synmetas', 'synmetas', { body: { token, json: metas(() => 0) } }, '1', (b) => (Array.isArray(data(b)['downsyntable']) ? undefined : 'data.downsyntable is not a list'));
      const row = { userTestId: 1, userId, answertimes: 3, righttimes: 2, testinTime: '2017-03-25 15:58:23', testoutTime: '2017-03-25 17:18:07', testtype: 1, wrongtimes: 1, word: 'apple' };
      const synced = await step('syntabledata uploads usertest', 'syntabledata', { body: { token, json: { downSynTable: [{ synTable: 'usertest' }], tableData: { usertest: [row] } } } }, '1', (b) =>
        Array.isArray(data(b)['tableMeta']) && (data(b)['tableMeta'] as unknown[]).length === 7 ? undefined : 'data.tableMeta does not list the seven tables',
      );
      const versions = new Map(((data(synced)['tableMeta'] ?? []) as JsonObject[]).map((m) => [String(m['synTable']).toLowerCase(), Number(m['version'])]));
      await step('synmetas shows the new usertest version', 'synmetas', { body: { token, json: metas((t) => (t === 'usertest' ? 0 : versions.get(t.toLowerCase()) ?? 0)) } }, '1', (b) =>
        ((data(b)['downsyntable'] ?? []) as JsonObject[]).some((d) => String(d['synTable']).toLowerCase() === 'usertest') ? undefined : 'usertest is not in downsyntable after the upload',
      );
      await step('trackdatas', 'trackdatas', { body: { token, json: { trackData: { userLogin: [{ userLoginId: 1, userId, loginState: 3, loginTime: '2017-03-25 02:36:23', logoutTime: '2017-03-26 03:32:23' }] } } } }, '1');
      await step('a bad token: 4', 'synmetas', { body: { token: '0:0', json: metas(() => 0) } }, '4');
    } else if (api === 'wx-push') {
      const url = `http://127.0.0.1:9/contract-mock-verify/${run}`;
      const added = await step('add a push project', 'addPushProject', { body: { url, project: `verify-${run}` } }, '200', (b) => (Number.isInteger(data(b)['id']) ? undefined : 'data.id is not an integer'));
      const id = Number(data(added)['id']);
      await step('query lists it', 'queryPushProject', {}, '200', (b) => (((b['data'] ?? []) as JsonObject[]).some((p) => p['id'] === id) ? undefined : `project ${id} is not listed`));
      await step('update it', 'updatePushProject', { body: { id, statu: 1 } }, '200', (b) => (data(b)['statu'] === 1 ? undefined : 'data.statu is not 1 after the update'));
      await step('add it again: 16000', 'addPushProject', { body: { url, project: `verify-${run}` } }, '16000:exists');
      await step('delete it', 'deletePushProject', { query: { id } }, '200');
      await step('delete it again: 16000', 'deletePushProject', { query: { id } }, '16000:missing');
      await step('receive an event', 'receive', { body: { app_key: 'verify', school_code: '45229', event: 'verify', raw_data: 'x' } }, '200');
    } else if (api === 'wuhan-eduyun') {
      await step('org info', 'getOrgInfo', { query: { org_id: c.orgId, access_token: c.wuhanToken } }, '000000', (b) =>
        (b['result'] as JsonObject | undefined)?.['org_id'] === c.orgId ? undefined : `result.org_id is not ${c.orgId}`,
      );
      await step('a wrong token: 100001', 'getOrgInfo', { query: { org_id: c.orgId, access_token: `${c.wuhanToken}-wrong` } }, '100001');
      await step('an unknown org: 100001', 'getOrgInfo', { query: { org_id: `contract-mock-unknown-${run}`, access_token: c.wuhanToken } }, '100001');
    }
  }

  // A small pool: at most `concurrency` requests in flight, flows included (a flow is one job: its steps run
  // in order in one worker); the flows go first, being the longest jobs.
  const queue: Array<() => Promise<void>> = [...flows, ...tasks.map((task) => async () => record(await task()))];
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  });
  await Promise.all(workers);

  checks.sort((a, b) => a.api.localeCompare(b.api) || (a.kind === 'flow' ? 1 : 0) - (b.kind === 'flow' ? 1 : 0) || 0);
  const byApi: VerificationReport['summary']['byApi'] = {};
  for (const r of checks) {
    const s = (byApi[r.api] ??= { total: 0, failed: 0 });
    s.total++;
    if (!r.ok) s.failed++;
  }
  const failed = checks.filter((c) => !c.ok).length;
  return { target: options.target, seed: options.seed, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks, summary: { total: checks.length, passed: checks.length - failed, failed, byApi } };
}

const FLOW_STEPS: Record<string, number> = { 'platform-sync': 13, 'ios-datasyn': 9, 'wx-push': 7, 'wuhan-eduyun': 3 };
const flowStepCount = (apis: ApiName[]): number => apis.reduce((n, a) => n + (FLOW_STEPS[a] ?? 0), 0);
