/**
 * The vocabulary of Pact provider states, for the rules each API keeps in its folder (src/apis/<api>/pact-states.ts):
 * for one recorded call, what the session's state had to hold for the answer the client saw, with the
 * `POST /__mock/state` records that set it up. Knows nothing of the pact file's format.
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

/** One API's rules, one instance per pact (it remembers what earlier calls wrote). */
export interface ProviderStateRules {
  /** The states `call` needed: read before `remember` sees the call. */
  needed(call: CallRecord, placeholder: Placeholder): ProviderState[];
  /** Notes what `call` wrote, for the states later calls need. */
  remember(call: CallRecord): void;
}

export const asObject = (v: unknown): JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
export const succeeded = (call: CallRecord, codes: string[]): boolean =>
  call.response.code !== null && codes.includes(call.response.code);
export const without = (record: JsonObject, ...keys: string[]): JsonObject =>
  Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));

/** Records earlier calls of the pact wrote, by collection and key: a later call's state is seeded as they wrote it. */
export class WrittenRecords {
  private readonly records = new Map<string, JsonObject>();
  put(collection: string, key: unknown, record: JsonObject): void {
    this.records.set(`${collection} ${String(key)}`, record);
  }
  get(collection: string, key: unknown, fallback: JsonObject): JsonObject {
    return this.records.get(`${collection} ${String(key)}`) ?? fallback;
  }
}

/** The id at the end of a path: a number when it is one (the path parameters of the four APIs are integers). */
export function lastSegment(path: string): string | number {
  const id = decodeURIComponent(path.split('?')[0]!.split('/').pop() ?? '');
  return /^-?\d{1,15}$/.test(id) ? Number(id) : id;
}
