/** wuhan-eduyun's Pact provider states: the access token a call presented, and the org it read. */
import type { CallRecord } from '../../journal/call-record.js';
import {
  asObject,
  succeeded,
  type Placeholder,
  type ProviderState,
  type ProviderStateRules,
} from '../provider-states.js';

const API = 'wuhan-eduyun';

export function wuhanEduyunStates(): ProviderStateRules {
  return {
    needed(call: CallRecord, ph: Placeholder): ProviderState[] {
      const states: ProviderState[] = [];
      const token = call.query['access_token'];
      if (token !== undefined && token !== '')
        states.push({
          name: `a ${API} access token was issued`,
          params: { [API]: { tokens: [{ access_token: ph(token, 'access_token') }] } },
        });
      const org = call.query['org_id'];
      const result = asObject(asObject(call.response.body)['result']);
      if (org !== undefined && succeeded(call, ['000000']))
        states.push({
          name: `${API} org ${String(org)} exists`,
          params: { [API]: { orgs: [{ ...result, org_id: org }] } },
        });
      return states;
    },
    remember: () => {},
  };
}
