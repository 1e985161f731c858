/** platform-sync's Pact provider states: the app or token a call presented, and the school, class or user it relied on. */
import type { CallRecord } from '../../journal/call-record.js';
import {
  asObject,
  lastSegment,
  succeeded,
  without,
  WrittenRecords,
  type Placeholder,
  type ProviderState,
  type ProviderStateRules,
} from '../provider-states.js';
import { DEMO_APP } from './verify-flow.js';

const API = 'platform-sync';

export function platformSyncStates(): ProviderStateRules {
  const written = new WrittenRecords();
  return {
    needed(call: CallRecord, ph: Placeholder): ProviderState[] {
      const body = asObject(call.request.body);
      const states: ProviderState[] = [];
      const ok = succeeded(call, ['200']);
      if (call.operationId === 'channelToken' && body['appid'] !== undefined) {
        states.push({
          name: `${API} app ${String(body['appid'])} exists`,
          params: { [API]: { apps: [{ appid: body['appid'], secret: ph(body['secret'], 'secret') }] } },
        });
      } else if (body['access_token'] !== undefined && (ok || call.operationId !== 'channelToken')) {
        states.push({
          name: `a ${API} token was issued`,
          params: {
            [API]: { tokens: [{ access_token: ph(body['access_token'], 'access_token'), appid: DEMO_APP.appid }] },
          },
        });
      }
      if (!ok) return states;
      const school =
        body['otherSchoolId'] ?? (call.operationId === 'syncDeleteOrganMetadata' ? lastSegment(call.path) : undefined);
      const klass =
        body['otherClassId'] ?? (call.operationId === 'syncDeleteClassMetadata' ? lastSegment(call.path) : undefined);
      const user = call.operationId === 'syncDeleteUserMetadata' ? lastSegment(call.path) : undefined;
      if (school !== undefined) {
        const fallback = {
          otherId: school,
          organName: `学校${String(school)}`,
          organKind: 1,
          provinceName: '湖北省',
          cityName: '武汉市',
          areaName: '江岸区',
        };
        states.push({
          name: `${API} school ${String(school)} exists`,
          params: { [API]: { schools: [written.get('schools', school, fallback)] } },
        });
      }
      if (klass !== undefined) {
        const fallback = {
          otherId: klass,
          className: `班级${String(klass)}`,
          gradeName: '2018级',
          otherSchoolId: school ?? 0,
        };
        states.push({
          name: `${API} class ${String(klass)} exists`,
          params: { [API]: { classes: [written.get('classes', klass, fallback)] } },
        });
      }
      if (user !== undefined) {
        const fallback = { uid: user, type: 2, username: `用户${String(user)}`, otherSchoolId: 0, otherClassId: 0 };
        states.push({
          name: `${API} user ${String(user)} exists`,
          params: { [API]: { users: [written.get('users', user, fallback)] } },
        });
      }
      return states;
    },
    remember(call: CallRecord): void {
      if (!succeeded(call, ['200'])) return;
      const body = asObject(call.request.body);
      if (call.operationId === 'syncSaveOrganMetadata')
        written.put('schools', body['otherId'], without(body, 'access_token'));
      if (call.operationId === 'syncSaveClassMetadata')
        written.put('classes', body['otherId'], without(body, 'access_token'));
      if (call.operationId === 'syncSaveUserMetadata') written.put('users', body['uid'], without(body, 'access_token'));
    },
  };
}
