/** wx-push's Pact provider states: the push projects a call relied on. */
import type { CallRecord } from '../../journal/call-record.js';
import {
  asObject,
  succeeded,
  WrittenRecords,
  type ProviderState,
  type ProviderStateRules,
} from '../provider-states.js';

const API = 'wx-push';

export function wxPushStates(): ProviderStateRules {
  const written = new WrittenRecords();
  return {
    needed(call: CallRecord): ProviderState[] {
      const body = asObject(call.request.body);
      const states: ProviderState[] = [];
      const id = body['id'] ?? call.query['id'];
      if (id !== undefined && call.operationId !== 'addPushProject' && succeeded(call, ['200'])) {
        const fallback = { id, url: 'http://127.0.0.1:9/hook', project: `project-${String(id)}`, statu: 0 };
        states.push({
          name: `${API} project ${String(id)} exists`,
          params: { [API]: { projects: [written.get('projects', id, fallback)] } },
        });
      }
      if (call.operationId === 'queryPushProject' && succeeded(call, ['200'])) {
        const items = asObject(call.response.body)['data'];
        if (Array.isArray(items) && items.length)
          states.push({
            name: `${API} projects ${items.map((p) => String(asObject(p)['id'])).join(', ')} exist`,
            params: { [API]: { projects: items } },
          });
      }
      return states;
    },
    remember(call: CallRecord): void {
      const data = asObject(asObject(call.response.body)['data']);
      if (succeeded(call, ['200']) && data['id'] !== undefined) written.put('projects', data['id'], data);
    },
  };
}
