/** wx-push's verification flow as data: a push project added, listed, updated and deleted, the conflicts on the way, one event received. */
import { dataOf, defineFlow } from '../verify-flow.js';

interface Values {
  /** A push url unique to the run, on the discard port of loopback (nothing listens there). */
  url: string;
  project: string;
  /** The id the mock gave the added project. */
  id: number;
}

export const wxPushFlow = defineFlow<Values>({
  start: ({ run }) => ({ url: `http://127.0.0.1:9/contract-mock-verify/${run}`, project: `verify-${run}`, id: 0 }),
  steps: [
    {
      label: 'add a push project',
      operationId: 'addPushProject',
      request: (v) => ({ body: { url: v.url, project: v.project } }),
      expect: '200',
      check: (a) => (Number.isInteger(dataOf(a)['id']) ? undefined : 'data.id is not an integer'),
      carry: (a) => ({ id: Number(dataOf(a)['id']) }),
    },
    {
      label: 'query lists it',
      operationId: 'queryPushProject',
      request: () => ({}),
      expect: '200',
      check: (a, v) =>
        Array.isArray(a['data']) && a['data'].some((p: { id?: unknown } | null) => p?.id === v.id)
          ? undefined
          : `project ${v.id} is not listed`,
    },
    {
      label: 'update it',
      operationId: 'updatePushProject',
      request: (v) => ({ body: { id: v.id, statu: 1 } }),
      expect: '200',
      check: (a) => (dataOf(a)['statu'] === 1 ? undefined : 'data.statu is not 1 after the update'),
    },
    {
      label: 'add it again: 16000',
      operationId: 'addPushProject',
      request: (v) => ({ body: { url: v.url, project: v.project } }),
      expect: '16000:exists',
    },
    { label: 'delete it', operationId: 'deletePushProject', request: (v) => ({ query: { id: v.id } }), expect: '200' },
    {
      label: 'delete it again: 16000',
      operationId: 'deletePushProject',
      request: (v) => ({ query: { id: v.id } }),
      expect: '16000:missing',
    },
    {
      label: 'receive an event',
      operationId: 'receive',
      request: () => ({ body: { app_key: 'verify', school_code: '45229', event: 'verify', raw_data: 'x' } }),
      expect: '200',
    },
  ],
});
