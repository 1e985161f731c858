/** A CallRecord for journal tests: a numbered platform-sync channelToken call of one session. */
import type { CallRecord } from '../../src/journal/call-record.js';

let n = 0;
/** Each call is the next record: its id, second and request body carry its number; `over` replaces fields. */
export function sampleRecord(
  session: string,
  over: Partial<CallRecord> = {},
  body: Record<string, unknown> = {},
): CallRecord {
  n++;
  return {
    id: `id-${n}`,
    time: new Date(Date.UTC(2026, 10, 22, 6, 0, n % 60)).toISOString(),
    mockTime: 0,
    session,
    api: 'platform-sync',
    operationId: 'channelToken',
    method: 'POST',
    path: '/v1/channel/token',
    query: {},
    request: { headers: {}, body: { n, ...body } },
    response: { status: 200, headers: {}, body: {}, code: '200' },
    durationMs: 1,
    violations: [],
    scenarios: [],
    deliveries: [],
    ...over,
  };
}
