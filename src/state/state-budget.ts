/**
 * State budgets (issue 25, finding 3): how many bytes a record counts for, and the defaults of the per-session and
 * whole-store budgets every backend enforces before a write is applied. Knows nothing of where records are kept.
 */

/** serve --max-state-bytes: one session's records, in bytes of their JSON (16 MiB: far above a real team's session). */
export const DEFAULT_MAX_STATE_BYTES = 16 * 1024 * 1024;
/**
 * serve --max-store-bytes: every session's records together. 256 MiB keeps a small shared box safe and keeps the
 * `--state` snapshot (every session as one JSON text) well under the longest string V8 can make (about 512 MiB).
 */
export const DEFAULT_MAX_STORE_BYTES = 256 * 1024 * 1024;

export interface StateBudget {
  /** Most bytes one session's records may take. */
  maxStateBytes?: number;
  /** Most bytes every session's records may take together. */
  maxStoreBytes?: number;
}

/** Strings up to this length are counted a character a byte (one look at `length`); longer ones in UTF-8 bytes. */
const SHORT_STRING = 256;

/**
 * A record's size as JSON, counted without writing the JSON: strings and keys plus their quotes (escapes are not
 * counted), numbers by their digits, and the brackets, colons and commas between. For text of plain (ASCII)
 * characters it is the length of the record's JSON, which is what Redis stores and counts (its scripts take the
 * stored length). Short strings are counted by their length, so a record put back on every call (a token list of 100
 * tokens) costs a walk and no scan; a long one costs one native call however long it is (a 1 MB url is counted at once).
 */
export function recordBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return (value.length <= SHORT_STRING ? value.length : Buffer.byteLength(value, 'utf8')) + 2;
    case 'number':
      // A whole number by its digits (no string made: an id or a time on every record); others as written.
      if (Number.isSafeInteger(value)) {
        const a = Math.abs(value);
        let digits = 1;
        for (let p = 10; a >= p && digits < 16; p *= 10) digits++;
        return value < 0 ? digits + 1 : digits;
      }
      return String(value).length;
    case 'bigint':
      return value.toString().length;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = value.length > 1 ? value.length + 1 : 2;
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          // A short string inline: the common element (a list of ids or tokens), without a call.
          n += typeof v === 'string' && v.length <= SHORT_STRING ? v.length + 2 : v === undefined ? 4 : recordBytes(v);
        }
        return n;
      }
      let n = 2;
      let fields = 0;
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function') continue;
        n += (k.length <= SHORT_STRING ? k.length : Buffer.byteLength(k, 'utf8')) + 3 + recordBytes(v);
        fields++;
      }
      return fields > 1 ? n + fields - 1 : n;
    }
    default:
      return 0;
  }
}

/** Every record of a session's collections, counted as recordBytes counts each. */
export function collectionsBytes(collections: Record<string, Record<string, unknown>>): number {
  let n = 0;
  for (const records of Object.values(collections)) for (const v of Object.values(records)) n += recordBytes(v);
  return n;
}
