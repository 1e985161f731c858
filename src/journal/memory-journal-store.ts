/**
 * The journal's records in memory: per session, oldest first, kept serialised (immutable, and a third of the memory
 * of live objects), bounded per session and in total by the rules of eviction.ts (a session's oldest first; past a
 * total, the largest session's). What a record keeps and how it is masked is journal-rules.ts's; knows nothing of files.
 */
import { exactJson } from '../contract/exact-json.js';
import type { CallFilter, CallRecord } from './call-record.js';
import { EvictionRules, type EvictionCaps, type Share } from './eviction.js';
import {
  lastOf,
  matcher,
  mergeDeliveries,
  type DeliveriesLine,
  type Indexed,
  type JournalRules,
} from './journal-rules.js';
import type { JournalStore, JournalStoreStats } from './journal-store.js';

interface Entry {
  id: string;
  session: string;
  api: string | null;
  operationId: string | null;
  method: string;
  /** The path as shown (masked), for the path filter: made from `rawPath` by the first query that filters by path. */
  path: string | undefined;
  rawPath: string;
  /** Epoch ms, for the time filter: parsed from `isoTime` by the first query that filters by time. */
  time: number | undefined;
  isoTime: string;
  violations: boolean;
  /**
   * The record's JSON: kept as the string itself when it is ASCII (one byte a character, no copy), as
   * UTF-8 bytes otherwise (a JS string holding any Chinese takes two bytes for every character).
   */
  data: string | Buffer | undefined;
  /** Whether `data` is masked already; a record kept as it came is masked when it is read. */
  masked: boolean;
  evicted: boolean;
}

/** An array queue with O(1) amortised shift. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    // Drop the reference at once: a session's short queue may not compact for a long time.
    (this.items as Array<T | undefined>)[this.head++] = undefined;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/** One session's records, oldest first, and its share as the eviction rules count it. */
interface SessionEntries extends Share {
  queue: Queue<Entry>;
}

/** The text itself when ASCII; else an unpooled UTF-8 buffer (a pooled slice would keep its whole 8 KB slab alive after eviction). */
function compact(text: string): string | Buffer {
  const bytes = Buffer.byteLength(text);
  if (bytes === text.length) return text;
  const buf = Buffer.allocUnsafeSlow(bytes);
  buf.write(text, 'utf8');
  return buf;
}

const textOf = (data: string | Buffer): string => (typeof data === 'string' ? data : data.toString('utf8'));

export class MemoryJournalStore implements JournalStore {
  readonly keepsRaw: boolean = true;
  private readonly bySession = new Map<string, SessionEntries>();
  /** Which session gives up a record when a cap is passed; the counts of records and bytes kept. */
  private readonly eviction: EvictionRules;
  /** Records whose deliveries are still running, by id (few at a time). */
  private readonly awaiting = new Map<string, Entry>();
  /** Records cut to the budget when their deliveries were merged. */
  private trimmed = 0;

  constructor(
    private readonly rules: JournalRules,
    caps: EvictionCaps,
  ) {
    this.eviction = new EvictionRules(caps);
  }

  add(record: CallRecord, text: string, masked: boolean): void {
    const entry: Entry = {
      id: record.id,
      session: record.session,
      api: record.api,
      operationId: record.operationId,
      method: record.method,
      // Masked and parsed only for a query that filters by them: an API call pays for neither.
      path: masked ? record.path : undefined,
      rawPath: record.path,
      time: undefined,
      isoTime: record.time,
      violations: record.violations.length > 0,
      data: compact(text),
      masked,
      evicted: false,
    };
    let s = this.bySession.get(record.session);
    if (!s)
      this.bySession.set(
        record.session,
        (s = Object.assign(this.eviction.share(record.session), { queue: new Queue<Entry>() })),
      );
    s.queue.push(entry);
    this.eviction.added(s, entry.data!.length);
    for (let victim = this.eviction.victim(s); victim; victim = this.eviction.victim(s))
      this.evictOldest(victim as SessionEntries);
    if (record.deliveries.length && record.deliveries.some((d) => d.pending)) this.awaiting.set(record.id, entry);
  }

  /** The entry as the filter compares it: its masked path and its time in ms made (once) when the filter asks for them. */
  private indexed(e: Entry, filter: CallFilter): Indexed {
    if (filter.path) e.path ??= this.rules.mask.text(e.rawPath);
    if (filter.since) e.time ??= Date.parse(e.isoTime);
    // The fields the filter does not ask for are not read (matcher).
    return e as Indexed;
  }

  /** The session gives up its oldest record; a session left with none is dropped (the rules keep what it lost). */
  private evictOldest(s: SessionEntries): void {
    const entry = s.queue.shift()!;
    const size = entry.data?.length ?? 0;
    entry.evicted = true;
    entry.data = undefined;
    this.eviction.evict(s, size);
    if (s.queue.size === 0) this.bySession.delete(s.session);
  }

  /** An entry's record as it is shown: masked when it was kept as it came. */
  private read(entry: Entry): CallRecord {
    const record = exactJson.parse(textOf(entry.data!)) as CallRecord;
    return entry.masked ? record : this.rules.unmasked(record);
  }

  addDeliveries(line: DeliveriesLine): CallRecord | undefined {
    return this.merge(line, true);
  }

  /**
   * Merges settled deliveries into the awaiting record (`live`: bounded again by the record budget; a restored line
   * was bounded when it was written). Undefined when the record is no longer kept (evicted, cleared).
   */
  merge(line: DeliveriesLine, live: boolean): CallRecord | undefined {
    const entry = this.awaiting.get(line.deliveriesOf);
    if (!entry) return undefined;
    this.awaiting.delete(entry.id);
    if (entry.evicted || !entry.data) return undefined;
    // The line's outcomes are masked: the rest of the record is masked first (masking twice is not the same).
    const record = mergeDeliveries(this.read(entry), line);
    entry.masked = true;
    let kept = record;
    let text: string;
    if (live) {
      const bounded = this.rules.bound(record);
      if (bounded.trimmed) this.trimmed++;
      ({ kept, text } = bounded);
    } else text = exactJson.stringify(record);
    const data = compact(text);
    const s = this.bySession.get(entry.session);
    const delta = data.length - entry.data.length;
    entry.data = data;
    if (s) this.eviction.resized(s, delta);
    return kept;
  }

  /** The records whose deliveries were still running (a restored file: the mock stopped before they settled). */
  unsettled(): CallRecord[] {
    const out: CallRecord[] = [];
    for (const e of [...this.awaiting.values()]) {
      if (e.data) out.push(exactJson.parse(textOf(e.data)) as CallRecord);
      else this.awaiting.delete(e.id);
    }
    return out;
  }

  query(session: string, filter: CallFilter = {}): CallRecord[] {
    const matches: Entry[] = [];
    const test = matcher(filter);
    for (const e of this.bySession.get(session)?.queue ?? [])
      if (!e.evicted && test(this.indexed(e, filter))) matches.push(e);
    return lastOf(matches, filter.limit).map((e) => this.read(e));
  }

  /** Clears one session's records and frees them (they no longer count towards the caps); what it lost is forgotten. */
  clear(session: string): number {
    const s = this.bySession.get(session);
    this.eviction.clear(session, s);
    if (!s) return 0;
    for (const e of s.queue) {
      e.evicted = true;
      e.data = undefined;
    }
    this.bySession.delete(session);
    return s.queue.size;
  }

  lost(session: string): number {
    return this.eviction.lost(session, this.bySession.get(session));
  }

  stats(): JournalStoreStats {
    return {
      records: this.eviction.records,
      bytes: this.eviction.bytes,
      evicted: this.eviction.evicted,
      trimmed: this.trimmed,
      // Entries held in the sessions' queues: the records kept, nothing more (cleared and evicted ones are freed).
      queued: [...this.bySession.values()].reduce((n, s) => n + s.queue.size, 0),
      sessionsWithLoss: [...this.bySession.values()].filter((s) => s.lost > 0).length + this.eviction.emptiedWithLoss,
      sessions: this.bySession.size,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
