/** ios-datasyn's Pact provider states: the user a login needed, and who logged in on which device for a token. */
import type { CallRecord } from '../../journal/call-record.js';
import {
  asObject,
  succeeded,
  type Placeholder,
  type ProviderState,
  type ProviderStateRules,
} from '../provider-states.js';

const API = 'ios-datasyn';

export function iosDatasynStates(): ProviderStateRules {
  /** Masked login token → who logged in on which device. */
  const logins = new Map<unknown, { loginName: string; device: string; userId: number }>();
  const users = new Map<string, { userId: number }>();
  return {
    needed(call: CallRecord, ph: Placeholder): ProviderState[] {
      const body = asObject(call.request.body);
      const states: ProviderState[] = [];
      if (call.operationId === 'login' && succeeded(call, ['1'])) {
        const loginName = String(body['loginName']);
        states.push({
          name: `${API} user ${loginName} is registered`,
          params: {
            [API]: {
              users: [
                { loginName, password: ph(body['password'], 'password'), userId: users.get(loginName)?.userId ?? 1 },
              ],
            },
          },
        });
      }
      const login = body['token'] !== undefined ? logins.get(body['token']) : undefined;
      if (login) {
        states.push({
          name: `${API} user ${login.loginName} logged in on ${login.device}`,
          params: {
            [API]: {
              users: [{ loginName: login.loginName, userId: login.userId }],
              tokens: [
                {
                  token: ph(body['token'], 'token'),
                  userId: login.userId,
                  device: login.device,
                  loginName: login.loginName,
                },
              ],
            },
          },
        });
      }
      return states;
    },
    remember(call: CallRecord): void {
      if (!succeeded(call, ['1'])) return;
      const body = asObject(call.request.body);
      const data = asObject(asObject(call.response.body)['data']);
      if (call.operationId === 'register') users.set(String(body['loginName']), { userId: Number(data['userId']) });
      if (call.operationId === 'login') {
        const loginName = String(body['loginName']);
        logins.set(data['token'], {
          loginName,
          device: String(body['synDevice']),
          userId: users.get(loginName)?.userId ?? 1,
        });
      }
    },
  };
}
