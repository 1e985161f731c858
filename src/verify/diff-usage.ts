/**
 * Diff usage: narrows the changes of a spec diff to the calls a client made (a session's journal): each
 * breaking change is "used by N recorded calls" (with one example) or "not used". Knows nothing of how the
 * calls were fetched or how the result is printed.
 */
import type { CallRecord } from '../journal/call-record.js';
import type { JsonObject } from '../contract/types.js';
import type { SpecChange, SpecDiff, Touch } from './spec-diff.js';

export interface ExampleCall {
  id: string;
  time: string;
  method: string;
  path: string;
  code: string | null;
}

export interface UsedChange extends SpecChange {
  /** Recorded calls this change affects; undefined when no calls were given. */
  usedBy?: number;
  example?: ExampleCall;
}

export interface DiffReport extends Omit<SpecDiff, 'changes'> {
  changes: UsedChange[];
  /** How many recorded calls the changes were narrowed to (of this API); undefined without recorded calls. */
  recordedCalls?: number;
  breaking: number;
  usedBreaking: number;
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** The values at `at` in a call (request parts, or the response body for a response change); `*` walks arrays. */
export function valuesAt(call: CallRecord, side: SpecChange['side'], at: string): unknown[] {
  const root: JsonObject =
    side === 'response'
      ? { body: call.response.body }
      : { body: call.request.body, query: call.query, headers: call.request.headers };
  let values: unknown[] = [root];
  for (const seg of at.split('/').slice(1).map(unescape)) {
    const next: unknown[] = [];
    for (const v of values) {
      if (seg === '*' && Array.isArray(v)) next.push(...v);
      else if (typeof v === 'object' && v !== null && !Array.isArray(v) && seg in v) next.push((v as JsonObject)[seg]);
    }
    values = next;
  }
  return values;
}

const same = (a: unknown, b: unknown): boolean => a === b || String(a) === String(b);

function touches(call: CallRecord, side: SpecChange['side'], touch: Touch): boolean {
  switch (touch.kind) {
    case 'any':
      return true;
    case 'present':
      return valuesAt(call, side, touch.at).length > 0;
    case 'absent':
      return valuesAt(call, side, touch.at).length === 0;
    case 'value-in':
      // Form and query values are text: "3" is the enum value 3.
      return valuesAt(call, side, touch.at).some((v) => touch.values.some((x) => same(v, x)));
    case 'code':
      return call.response.code !== null && touch.codes.includes(call.response.code);
  }
}

/** The calls of the operation a change is about (every call of the API for an API-wide change). */
function callsOf(change: SpecChange, calls: readonly CallRecord[]): CallRecord[] {
  if (change.operationId !== null)
    return calls.filter((c) => c.api === change.api && c.operationId === change.operationId);
  if (!change.method || !change.path) return calls.filter((c) => c.api === change.api);
  // An operation without an operationId: its method and path template.
  const template = new RegExp(
    `^${change.path
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );
  return calls.filter(
    (c) => c.api === change.api && c.method === change.method && template.test(c.path.split('?')[0]!),
  );
}

export function narrowToCalls(diff: SpecDiff, calls?: readonly CallRecord[]): DiffReport {
  const own = calls?.filter((c) => c.api === diff.api);
  const changes: UsedChange[] = diff.changes.map((change) => {
    if (!own) return change;
    const used = callsOf(change, own).filter((c) => touches(c, change.side, change.touch));
    const first = used[0];
    return {
      ...change,
      usedBy: used.length,
      ...(first
        ? {
            example: {
              id: first.id,
              time: first.time,
              method: first.method,
              path: first.path,
              code: first.response.code,
            },
          }
        : {}),
    };
  });
  const breaking = changes.filter((c) => c.breaking);
  // Without recorded calls nothing narrows the list: every breaking change may be used.
  const usedBreaking = own ? breaking.filter((c) => (c.usedBy ?? 0) > 0).length : breaking.length;
  return { ...diff, changes, ...(own ? { recordedCalls: own.length } : {}), breaking: breaking.length, usedBreaking };
}
