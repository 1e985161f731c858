/**
 * State budgets (issue 25, finding 3): how many bytes a record counts for, and the defaults of the per-session and
 * whole-store budgets every backend enforces before a write is applied. Knows nothing of where records are kept.
 */

/** serve --max-state-bytes: one session's records, in bytes of their JSON (16 MiB: far above a real team's session). */
export const DEFAULT_MAX_STATE_BYTES = 16 * 1024 * 1024;
/** serve --max-store-bytes: every session's records together (512 MiB: keeps a small shared box safe). */
export const DEFAULT_MAX_STORE_BYTES = 512 * 1024 * 1024;

export interface StateBudget {
  /** Most bytes one session's records may take. */
  maxStateBytes?: number;
  /** Most bytes every session's records may take together. */
  maxStoreBytes?: number;
}

/**
 * A record's size as JSON, counted without writing the JSON: strings in UTF-8 bytes plus their quotes (escapes are
 * not counted), numbers by their digits, and the brackets, colons and commas between. For text of plain characters it
 * is the length of the record's JSON, which is what Redis stores and counts (its scripts take the stored length).
 * A string costs one native call however long it is, so a record of a 1 MB url is counted at once.
 */
export function recordBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8') + 2;
    case 'number':
      return String(value).length;
    case 'bigint':
      return value.toString().length;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = value.length > 1 ? value.length + 1 : 2;
        for (const v of value) n += v === undefined ? 4 : recordBytes(v);
        return n;
      }
      let n = 2;
      let fields = 0;
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function') continue;
        n += Buffer.byteLength(k, 'utf8') + 3 + recordBytes(v);
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
