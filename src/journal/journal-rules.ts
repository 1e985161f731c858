/**
 * The journal's rules, shared by every backend (memory, its NDJSON file, Redis): what of a CallRecord is kept
 * (masked by secret-mask.ts, within the per-record byte budget, large bodies as previews, long delivery lists cut),
 * how settled delivery outcomes merge into their record, and which records a query picks. Pure: knows nothing of
 * where records are stored (journal-store.ts), of eviction (eviction.ts) or of HTTP.
 */
import { exactJson } from '../contract/exact-json.js';
import type { DeliveryOutcome } from '../apis/api-module.js';
import type { CallFilter, CallRecord } from './call-record.js';
import { SecretMask } from './secret-mask.js';

/** The per-record byte budget when none is given (--journal-record-bytes). */
export const DEFAULT_RECORD_BYTES = 256 * 1024;
/** Characters of a body kept when it cannot be kept whole. */
const PREVIEW_CHARS = 1024;
/** Delivery outcomes listed in one record before the rest are only counted. */
export const LISTED_DELIVERIES = 100;

/** An NDJSON line (or Redis entry) that adds a record's delivery outcomes once they settle (the record itself was written first). */
export interface DeliveriesLine {
  deliveriesOf: string;
  session: string;
  deliveries: DeliveryOutcome[];
  deliveriesNotListed?: number;
}

/** A record as the rules keep it, its JSON, and whether the budget cut it (stats: `trimmed`). */
export interface Kept {
  kept: CallRecord;
  text: string;
  trimmed: boolean;
}

/** Whether the text's UTF-8 is at most `max` bytes; counted only when its length leaves it in doubt (a character is 1-3 bytes). */
export const fitsBytes = (text: string, max: number): boolean =>
  text.length <= max && (text.length * 3 <= max || Buffer.byteLength(text) <= max);

/** A body as a short string: what it weighed and how it starts. */
export function preview(body: unknown, why: string): string {
  if (typeof body === 'string')
    return body.length <= PREVIEW_CHARS
      ? body
      : `(${Buffer.byteLength(body)} bytes, ${why}) ${body.slice(0, PREVIEW_CHARS)}`;
  try {
    const text = exactJson.stringify(body) ?? '';
    return `(${Buffer.byteLength(text)} bytes, ${why}) ${text.slice(0, PREVIEW_CHARS)}`;
  } catch (e) {
    return `(not kept: ${(e as Error).message})`;
  }
}

/** The record and its JSON within `max` bytes: bodies beyond it become previews, long delivery lists are cut; past that, a bare record. */
export function boundRecord(record: CallRecord, max: number): Kept {
  let text: string | undefined;
  try {
    text = exactJson.stringify(record);
    if (fitsBytes(text, max)) return { kept: record, text, trimmed: false };
  } catch {
    /* a value JSON cannot write (nested too deep): kept as a preview below */
  }
  const why =
    text === undefined ? 'not kept whole: it cannot be serialised' : `not kept whole: the record was over ${max} bytes`;
  const kept: CallRecord = {
    ...record,
    request: { ...record.request, body: preview(record.request.body, why) },
    response: { ...record.response, body: preview(record.response.body, why) },
    deliveries: record.deliveries.slice(0, LISTED_DELIVERIES),
    ...(record.deliveries.length > LISTED_DELIVERIES && {
      deliveriesNotListed: (record.deliveriesNotListed ?? 0) + record.deliveries.length - LISTED_DELIVERIES,
    }),
  };
  try {
    text = exactJson.stringify(kept);
    if (Buffer.byteLength(text) <= max) return { kept, text, trimmed: true };
  } catch {
    /* fall through to the bare record */
  }
  return withText(bareRecord(record, kept, max));
}

/** What is left of a record that does not fit even with previews: its identity, status and a few violations. */
function bareRecord(record: CallRecord, kept: CallRecord, max: number): CallRecord {
  return {
    ...kept,
    query: {},
    request: { headers: {}, body: `(not kept: the record was over ${max} bytes)` },
    response: {
      status: record.response.status,
      headers: {},
      body: `(not kept: the record was over ${max} bytes)`,
      code: record.response.code,
      ...(record.response.fault && { fault: record.response.fault }),
    },
    violations: record.violations
      .slice(0, 20)
      .map((v) => ({ ...v, message: v.message.slice(0, 200), pointer: v.pointer.slice(0, 200) })),
    scenarios: record.scenarios.slice(0, 20),
    deliveries: [],
    deliveriesNotListed: record.deliveries.length + (record.deliveriesNotListed ?? 0),
    path: record.path.slice(0, 2048),
  };
}

const withText = (kept: CallRecord): Kept => ({ kept, text: exactJson.stringify(kept), trimmed: true });

/** A record with its settled deliveries in place of those it had (the line's outcomes are masked already). Changes `record`. */
export function mergeDeliveries(record: CallRecord, line: DeliveriesLine): CallRecord {
  record.deliveries = line.deliveries;
  if (line.deliveriesNotListed) record.deliveriesNotListed = line.deliveriesNotListed;
  else delete record.deliveriesNotListed;
  return record;
}

/** The deliveries still pending when the mock stopped: their outcome was never learnt (a restored file). */
export function unsettledLine(record: CallRecord): DeliveriesLine {
  const deliveries = record.deliveries.map((d) =>
    d.pending
      ? {
          url: d.url,
          at: d.at,
          ok: false,
          durationMs: 0,
          error: 'outcome unknown: the mock stopped before this delivery settled',
        }
      : d,
  );
  return { deliveriesOf: record.id, session: record.session, deliveries };
}

/** What a query compares of a record (a store may keep these beside the record's text). */
export interface Indexed {
  api: string | null;
  operationId: string | null;
  method: string;
  /** The path as shown (masked). */
  path: string;
  /** Epoch ms. */
  time: number;
  violations: boolean;
}

export const indexOf = (r: CallRecord): Indexed => ({
  api: r.api,
  operationId: r.operationId,
  method: r.method,
  path: r.path,
  time: Date.parse(r.time),
  violations: r.violations.length > 0,
});

/** The filter as a test of one record's index; `limit` is applied after it (lastOf). */
export function matcher(filter: CallFilter): (e: Indexed) => boolean {
  const since = filter.since ? Date.parse(filter.since) : undefined;
  const method = filter.method?.toUpperCase();
  return (e) =>
    (!filter.api || e.api === filter.api) &&
    (!filter.operationId || e.operationId === filter.operationId) &&
    (!method || e.method === method) &&
    (!filter.path || e.path === filter.path) &&
    (since === undefined || !(e.time < since)) &&
    (!filter.violationsOnly || e.violations);
}

/** The newest `limit` of the matches (all without a limit). */
export const lastOf = <T>(matches: T[], limit: number | undefined): T[] =>
  limit !== undefined ? matches.slice(Math.max(0, matches.length - limit)) : matches;

/** The rules as one journal applies them: its masking key and its record budget. */
export class JournalRules {
  readonly maxRecordBytes: number;

  constructor(
    readonly mask: SecretMask = new SecretMask(),
    maxRecordBytes = DEFAULT_RECORD_BYTES,
  ) {
    this.maxRecordBytes = maxRecordBytes;
  }

  /** A record as every journal keeps it: masked, within the record budget; and its JSON. */
  prepare(record: CallRecord): Kept {
    return boundRecord(this.mask.record(record), this.maxRecordBytes);
  }

  /** A record (masked already) within the record budget. */
  bound(record: CallRecord): Kept {
    return boundRecord(record, this.maxRecordBytes);
  }

  /** A record as every reader of the journal sees it. */
  shown(record: CallRecord): CallRecord {
    return this.prepare(record).kept;
  }

  /**
   * The record's JSON as it came, when it fits a quarter of the record budget: a store may keep it so and mask it
   * when read (a masked value is at most three times the text it replaces, so the record as read still fits).
   */
  raw(record: CallRecord): string | undefined {
    let text: string;
    try {
      text = exactJson.stringify(record);
    } catch {
      return undefined;
    }
    return fitsBytes(text, this.maxRecordBytes / 4) ? text : undefined;
  }

  /** A record kept as it came, as it is shown: masked. */
  unmasked(record: CallRecord): CallRecord {
    return this.mask.record(record);
  }

  /** A record's settled deliveries as every journal keeps them: masked, the first LISTED_DELIVERIES listed, the rest counted. */
  deliveriesLine(record: CallRecord, deliveries: DeliveryOutcome[]): DeliveriesLine {
    const listed = deliveries.slice(0, LISTED_DELIVERIES).map((d) => this.mask.delivery(d));
    return {
      deliveriesOf: record.id,
      session: record.session,
      deliveries: listed,
      ...(deliveries.length > listed.length && { deliveriesNotListed: deliveries.length - listed.length }),
    };
  }

  /**
   * The record as it stands once its deliveries settled, from the record as the caller holds it (the store's copy may
   * be gone): the rest of the record masked, then the line's outcomes, masked already, put in (masking twice is not
   * the same: the record would not be the one the store shows).
   */
  settled(record: CallRecord, line: DeliveriesLine): Kept {
    const { deliveriesNotListed: _, ...rest } = record;
    return this.bound(mergeDeliveries(this.mask.record({ ...rest, deliveries: [] }), line));
  }
}

/** The rules a journal's options set: their masking key (a fresh one when none is given) and record budget. */
export const rulesOf = (options: { mask?: SecretMask; maxRecordBytes?: number }): JournalRules =>
  new JournalRules(options.mask ?? new SecretMask(), options.maxRecordBytes ?? DEFAULT_RECORD_BYTES);
