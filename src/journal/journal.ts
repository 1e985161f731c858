/**
 * Journal: stores one CallRecord per served request and answers queries; knows nothing of HTTP.
 * Every record is masked (secret-mask.ts) and kept within a per-record budget, so whatever reads the
 * journal (calls, HAR, NDJSON, events, the file, the dashboard) sees the same safe record: masked before it
 * is written to the file or sent to a live listener, else when it is read. Records are kept serialised (immutable, and a third of the memory of live objects), bounded
 * per session (count and bytes) and in total by the rules of eviction.ts (a session's oldest first; past a total, the largest session's); a file (`--journal FILE`, or
 * `journal.ndjson` under `--state`) also gets each record as NDJSON, rotated at a size.
 */
import { exactJson } from '../contract/exact-json.js';
import { closeSync, existsSync, fchmodSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { join, parse } from 'node:path';
import type { DeliveryOutcome } from '../apis/api-module.js';
// CallFilter lives with CallRecord so the client's type declarations need no node types.
import type { CallFilter, CallRecord } from './call-record.js';
export type { CallFilter };
import { SecretMask } from './secret-mask.js';
import { LineAppender, type AppendOutcome, type PersistenceFailure, type WriteLine } from '../state/append-line.js';
import { StoreUnavailableError } from '../state/store.js';
import { EvictionRules, type Share } from './eviction.js';

export interface JournalOptions {
  maxPerSession: number;
  maxTotal: number;
  /** Bytes of serialised records kept in all (large bodies count for what they weigh). */
  maxBytes?: number;
  /** Bytes one session's records may hold (inside maxBytes), so one session cannot evict the others'. Default: maxBytes. */
  maxSessionBytes?: number;
  /** Largest serialised record: bigger bodies are kept as a preview, long delivery lists cut. */
  maxRecordBytes?: number;
  /** Append every record to this file as NDJSON, so a long run loses nothing to eviction. */
  file?: string;
  /** Read the file's records back at start (serve --state); see Journal.open. */
  restore?: boolean;
  /** Rotate the file when it would pass this size: FILE → FILE's `.1` (`journal.1.ndjson`), ... */
  rotateBytes?: number;
  /** Rotated files kept besides the current one. */
  keepFiles?: number;
  /** The masking rule (its key makes masks comparable within one run); default a fresh one. */
  mask?: SecretMask;
  /** Told once when the file stops taking records (a full disk) and once when it takes them again. */
  log?: (message: string) => void;
  /** The file's write (tests inject one that fails part-way). */
  write?: WriteLine;
}

export const DEFAULT_JOURNAL: JournalOptions = {
  maxPerSession: 10_000,
  maxTotal: 100_000,
  maxBytes: 256 * 1024 * 1024,
  maxSessionBytes: 32 * 1024 * 1024,
  maxRecordBytes: 256 * 1024,
  rotateBytes: 64 * 1024 * 1024,
  keepFiles: 4,
};

const DEFAULT_RECORD_BYTES = 256 * 1024;
/** Characters of a body kept when it cannot be kept whole. */
const PREVIEW_CHARS = 1024;
/** Delivery outcomes listed in one record before the rest are only counted. */
const LISTED_DELIVERIES = 100;

interface Entry {
  id: string;
  session: string;
  api: string | null;
  operationId: string | null;
  method: string;
  path: string;
  time: number;
  violations: boolean;
  /**
   * The record's JSON: kept as the string itself when it is ASCII (one byte a character, no copy), as
   * UTF-8 bytes otherwise (a JS string holding any Chinese takes two bytes for every character).
   */
  data: string | Buffer | undefined;
  /** Whether `data` is masked already; a record kept as it came is masked when it is read (Journal.append). */
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

/** Whether the text's UTF-8 is at most `max` bytes; counted only when its length leaves it in doubt (a character is 1-3 bytes). */
const fitsBytes = (text: string, max: number): boolean => text.length <= max && (text.length * 3 <= max || Buffer.byteLength(text) <= max);

const textOf = (data: string | Buffer): string => (typeof data === 'string' ? data : data.toString('utf8'));

/** A body as a short string: what it weighed and how it starts. */
function preview(body: unknown, why: string): string {
  if (typeof body === 'string') return body.length <= PREVIEW_CHARS ? body : `(${Buffer.byteLength(body)} bytes, ${why}) ${body.slice(0, PREVIEW_CHARS)}`;
  try {
    const text = exactJson.stringify(body) ?? '';
    return `(${Buffer.byteLength(text)} bytes, ${why}) ${text.slice(0, PREVIEW_CHARS)}`;
  } catch (e) {
    return `(not kept: ${(e as Error).message})`;
  }
}

/** An NDJSON line that adds a record's delivery outcomes once they settle (the record itself was written first). */
export interface DeliveriesLine {
  deliveriesOf: string;
  session: string;
  deliveries: DeliveryOutcome[];
  deliveriesNotListed?: number;
}

export type JournalListener = (record: CallRecord) => void;

/** Live call records for `/__mock/events`: in process here; across instances through Redis. */
export interface EventBus {
  subscribe(listener: JournalListener): () => void;
  /** Resolves once records published from now on reach the listeners (a shared bus subscribes asynchronously). */
  listening?(): Promise<void>;
}

export interface JournalStats {
  records: number;
  bytes: number;
  evicted: number;
  trimmed?: number;
  /** Sessions that lost records to a cap since they were last cleared (their verify and report say so). */
  sessionsWithLoss?: number;
  unreadableLines?: number;
  queued: number;
  sessions: number;
  subscribers?: number;
  maxPerSession: number;
  maxTotal: number;
  file?: string;
  fileError?: string;
  restored?: number;
  backend?: string;
}

/**
 * What the admin API and the pipeline need of a journal, in memory (Journal) or shared (RedisJournal).
 * A shared journal answers with promises; append resolves once the record is stored.
 */
export interface CallJournal extends EventBus {
  /** Stores a record; once this returns (or resolves), every read of the journal shows it. */
  append(record: CallRecord): void | Promise<void>;
  /** A record as the journal shows it to every reader: masked, within the record budget. */
  shown(record: CallRecord): CallRecord;
  /** Adds the outcomes of a stored record's deliveries once they settle; returns the record as updated. */
  addDeliveries(record: CallRecord, deliveries: DeliveryOutcome[]): CallRecord | Promise<CallRecord>;
  query(session: string, filter?: CallFilter): CallRecord[] | Promise<CallRecord[]>;
  /** Clears one session's records; how many there were. What it lost is forgotten too. */
  clear(session: string): number | Promise<number>;
  /** Records the session lost to a cap (--journal-per-session, --journal-total, the byte caps) since it was last cleared. */
  lost(session: string): number | Promise<number>;
  stats(): JournalStats | Promise<JournalStats>;
  /** Why the journal's file cannot be written, until a write succeeds again (health: degraded). */
  persistence?(): PersistenceFailure | undefined;
  close(): Promise<void>;
}

export class Journal implements CallJournal {
  private readonly bySession = new Map<string, SessionEntries>();
  /** Which session gives up a record when a cap is passed; the counts of records and bytes kept. */
  private readonly rules: EvictionRules;
  /** Records whose deliveries are still running, by id (few at a time). */
  private readonly awaiting = new Map<string, Entry>();
  private trimmedCount = 0;
  private readonly listeners = new Set<JournalListener>();
  private readonly mask: SecretMask;
  private fd?: number;
  private fileBytes = 0;
  private fileError?: Error;
  private fileErrorSince?: string;
  /** Cuts a record that did not reach the file whole back off it (a full disk), so it never ends mid-line. */
  private appender?: LineAppender;
  /** The file ends with a line torn by a crash: the next write ends it first. */
  private unended = false;
  /** Records read back from the file at start (a restarted `serve --state`), and lines that could not be read. */
  restored = 0;
  private unreadable = 0;

  constructor(private readonly options: JournalOptions = DEFAULT_JOURNAL) {
    this.mask = options.mask ?? new SecretMask();
    this.rules = new EvictionRules(options);
    if (options.file && !options.restore) this.openFile(options.file);
  }

  /** A journal that first reads its file's records back (streaming, newest kept within the caps), then appends to it. */
  static async open(options: JournalOptions): Promise<Journal> {
    const journal = new Journal(options);
    if (options.file && options.restore) {
      await journal.restore(options.file);
      journal.openFile(options.file);
    }
    return journal;
  }

  /** The current file and its rotated predecessors, oldest first. */
  private files(file: string): string[] {
    const { dir, name, ext } = parse(file);
    const keep = this.options.keepFiles ?? 0;
    const rotated = Array.from({ length: keep }, (_, i) => join(dir, `${name}.${keep - i}${ext}`));
    return [...rotated, file];
  }

  private openFile(file: string): void {
    try {
      this.fd = openSync(file, 'a', 0o600);
      fchmodSync(this.fd, 0o600);
      this.fileBytes = fstatSync(this.fd).size;
      this.appender = new LineAppender(file, this.fd, { log: this.options.log, write: this.options.write });
      // A crash mid-write leaves a line without its newline: the next write ends it, so its record starts a line of its own.
      if (this.fileBytes > 0) {
        const last = Buffer.alloc(1);
        const rfd = openSync(file, 'r');
        readSync(rfd, last, 0, 1, this.fileBytes - 1);
        closeSync(rfd);
        this.unended = last[0] !== 0x0a;
      }
    } catch (e) {
      this.fileError = e as Error;
      this.fd = undefined;
    }
  }

  /** Appends whole lines or nothing (a line cut short by a full disk is cut back off the file). */
  private write(text: string): AppendOutcome {
    if (this.fd === undefined) return { ok: true };
    try {
      const bytes = Buffer.byteLength(text);
      const limit = this.options.rotateBytes;
      if (limit && this.fileBytes > 0 && this.fileBytes + bytes > limit) this.rotate();
      const line = this.unended ? '\n' + text : text;
      // Synchronous, so a record is in the file as soon as it exists (kill -9 loses nothing after it).
      const written = this.appender!.append(line, line === text ? bytes : bytes + 1);
      if (!written.ok) return written;
      this.unended = false;
      this.fileBytes += line === text ? bytes : bytes + 1;
      return written;
    } catch (e) {
      this.fileError = e as Error;
      return { ok: false, error: `could not rotate ${this.options.file} (${(e as Error).message})` };
    }
  }

  /** Why the file is not written (a failed append, until one succeeds; or a file that could not be opened or rotated). */
  persistence(): PersistenceFailure | undefined {
    if (this.appender?.failure) return this.appender.failure;
    if (this.fileError) return { file: this.options.file!, error: this.fileError.message, since: this.fileErrorSince ??= new Date().toISOString() };
    return undefined;
  }

  /** FILE.(k) → FILE.(k+1), FILE → FILE.1, the oldest beyond keepFiles removed; a fresh FILE. */
  private rotate(): void {
    const file = this.options.file!;
    closeSync(this.fd!);
    this.fd = undefined;
    const files = this.files(file);
    if (files.length === 1) unlinkSync(file);
    else {
      if (existsSync(files[0]!)) unlinkSync(files[0]!);
      for (let i = 1; i < files.length; i++) if (existsSync(files[i]!)) renameSync(files[i]!, files[i - 1]!);
    }
    this.fd = openSync(file, 'a', 0o600);
    this.appender!.reset(this.fd, 0);
    this.unended = false;
    this.fileBytes = 0;
  }

  /**
   * Reads records back: the files are read backwards in chunks, newest first, until the lines kept
   * would pass maxTotal records or maxBytes (older ones would be evicted at once), then stored oldest
   * first. Never one string for a file, and a 1 GB folder costs what the caps keep, not what it holds.
   * A line that cannot be read (torn by a crash, or longer than any record) is skipped and counted.
   */
  private async restore(file: string): Promise<void> {
    const files = this.files(file).filter((f) => existsSync(f));
    const maxBytes = this.options.maxBytes ?? Infinity;
    const maxRecords = this.options.maxTotal;
    const longest = 2 * (this.options.maxRecordBytes ?? DEFAULT_RECORD_BYTES) + 4096;
    const lines: string[] = [];
    let bytes = 0;
    let records = 0;
    const keep = (buf: Buffer, from: number, to: number): boolean => {
      if (to <= from) return true;
      const line = buf.toString('utf8', from, to);
      lines.push(line);
      bytes += to - from;
      if (!line.startsWith('{"deliveriesOf"')) records++;
      return records < maxRecords && bytes < maxBytes;
    };
    outer: for (let f = files.length - 1; f >= 0; f--) {
      const fd = openSync(files[f]!, 'r');
      try {
        let pos = fstatSync(fd).size;
        let carry = Buffer.alloc(0);
        let skipping = false;
        while (pos > 0) {
          const len = Math.min(1024 * 1024, pos);
          pos -= len;
          const chunk = Buffer.allocUnsafe(len);
          readSync(fd, chunk, 0, len, pos);
          const buf = carry.length ? Buffer.concat([chunk, carry]) : chunk;
          let end = buf.length;
          for (let i = buf.lastIndexOf(0x0a, end - 1); i !== -1; i = end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1) {
            if (skipping) {
              skipping = false;
              this.unreadable++;
            } else if (!keep(buf, i + 1, end)) break outer;
            end = i;
          }
          carry = Buffer.from(buf.subarray(0, end));
          if (carry.length > longest) {
            // Longer than any record can be (a run of garbage): drop it up to the next line.
            carry = Buffer.alloc(0);
            skipping = true;
          }
        }
        if (skipping) this.unreadable++;
        else if (!keep(carry, 0, carry.length)) break outer;
      } finally {
        closeSync(fd);
      }
    }
    for (let i = lines.length - 1; i >= 0; i--) this.restoreLine(lines[i]!);
    // Deliveries that were still running when the process stopped: their outcome was never learnt.
    for (const entry of [...this.awaiting.values()]) {
      const record = exactJson.parse(textOf(entry.data!)) as CallRecord;
      const deliveries = record.deliveries.map((d) => (d.pending ? { url: d.url, at: d.at, ok: false, durationMs: 0, error: 'outcome unknown: the mock stopped before this delivery settled' } : d));
      this.replaceDeliveries(entry, { deliveriesOf: entry.id, session: entry.session, deliveries }, false);
    }
  }

  private restoreLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = exactJson.parse(line);
    } catch {
      this.unreadable++;
      return;
    }
    if (!parsed || typeof parsed !== 'object') return void this.unreadable++;
    const p = parsed as Partial<CallRecord> & Partial<DeliveriesLine>;
    if (typeof p.deliveriesOf === 'string') {
      const entry = this.awaiting.get(p.deliveriesOf);
      if (entry) this.replaceDeliveries(entry, p as DeliveriesLine, false);
      return;
    }
    if (typeof p.id !== 'string' || typeof p.session !== 'string' || typeof p.time !== 'string' || !Array.isArray(p.violations) || !Array.isArray(p.deliveries)) {
      this.unreadable++;
      return;
    }
    const entry = this.store(p as CallRecord, line, true);
    if (p.deliveries.some((d) => d.pending)) this.awaiting.set(p.id, entry);
    this.restored++;
  }

  /** A record as every journal keeps it, memory or shared: masked, within the record budget; and its JSON. */
  prepare(record: CallRecord): { kept: CallRecord; text: string } {
    return this.bound(this.mask.record(record));
  }

  /** A record's settled deliveries as every journal keeps them: masked, the first LISTED_DELIVERIES listed, the rest counted. */
  deliveriesLine(record: CallRecord, deliveries: DeliveryOutcome[]): DeliveriesLine {
    const listed = deliveries.slice(0, LISTED_DELIVERIES).map((d) => this.mask.delivery(d));
    return { deliveriesOf: record.id, session: record.session, deliveries: listed, ...(deliveries.length > listed.length && { deliveriesNotListed: deliveries.length - listed.length }) };
  }

  /** A record as every reader of the journal sees it: masked, within the record budget. */
  shown(record: CallRecord): CallRecord {
    return this.prepare(record).kept;
  }

  /**
   * Stores a record. Masked now when it leaves the process at once (the file, a live listener); else kept
   * as it came and masked when it is read (query, the only way out of the journal), so an API call does
   * not pay for masking what nobody may ever read. Only records that fit a quarter of the record budget
   * are kept so: a masked value is at most three times the text it replaces, so the record as read still
   * fits the budget.
   */
  append(record: CallRecord): void {
    if (this.fd === undefined && this.listeners.size === 0) {
      const text = this.rawText(record);
      if (text !== undefined) {
        const entry = this.store(record, text, false);
        if (record.deliveries.some((d) => d.pending)) this.awaiting.set(record.id, entry);
        return;
      }
    }
    const { kept, text } = this.prepare(record);
    if (this.fd !== undefined) {
      // Not stored unless written: an answered call is in the file (the call is answered store-unavailable instead).
      const written = this.write(text + '\n');
      if (!written.ok) throw new StoreUnavailableError(`${written.error}; the call's record was not journaled`);
    }
    const entry = this.store(kept, text, true);
    if (kept.deliveries.some((d) => d.pending)) this.awaiting.set(kept.id, entry);
    for (const listener of this.listeners) listener(kept);
  }

  /** The record's JSON as it came, when it fits a quarter of the record budget. */
  private rawText(record: CallRecord): string | undefined {
    const quarter = (this.options.maxRecordBytes ?? DEFAULT_RECORD_BYTES) / 4;
    let text: string;
    try {
      text = exactJson.stringify(record);
    } catch {
      return undefined;
    }
    return fitsBytes(text, quarter) ? text : undefined;
  }

  /** An entry's record as it is shown: masked when it was kept as it came. */
  private read(entry: Entry): CallRecord {
    const record = exactJson.parse(textOf(entry.data!)) as CallRecord;
    return entry.masked ? record : this.mask.record(record);
  }

  /**
   * Adds the outcomes of a record's deliveries once they settle (the record was stored when its answer
   * was sent, with its deliveries pending). The file gets a line of its own, merged back on restore.
   */
  addDeliveries(record: CallRecord, deliveries: DeliveryOutcome[]): CallRecord {
    const line = this.deliveriesLine(record, deliveries);
    const listed = line.deliveries;
    // The call was answered already: a line that cannot be written leaves the outcomes in memory only (health says degraded).
    this.write(exactJson.stringify(line) + '\n');
    const entry = this.awaiting.get(record.id);
    const updated = entry && this.replaceDeliveries(entry, line, true);
    if (!updated) {
      // Evicted (or cleared) meanwhile: nothing stored to update; say what became of it all the same.
      const { deliveriesNotListed: _, ...rest } = record;
      return this.bound(this.mask.record({ ...rest, deliveries: listed, ...(line.deliveriesNotListed && { deliveriesNotListed: line.deliveriesNotListed }) })).kept;
    }
    for (const listener of this.listeners) listener(updated);
    return updated;
  }

  private replaceDeliveries(entry: Entry, line: DeliveriesLine, live: boolean): CallRecord | undefined {
    this.awaiting.delete(entry.id);
    if (entry.evicted || !entry.data) return undefined;
    // The line's outcomes are masked: the rest of the record is masked first (masking twice is not the same).
    const record = this.read(entry);
    entry.masked = true;
    record.deliveries = line.deliveries;
    if (line.deliveriesNotListed) record.deliveriesNotListed = line.deliveriesNotListed;
    else delete record.deliveriesNotListed;
    const { kept, text } = live ? this.bound(record) : { kept: record, text: exactJson.stringify(record) };
    const data = compact(text);
    const s = this.bySession.get(entry.session);
    const delta = data.length - entry.data.length;
    entry.data = data;
    if (s) this.rules.resized(s, delta);
    return kept;
  }

  /** The record and its JSON within maxRecordBytes: bodies beyond it become previews, long delivery lists are cut. */
  private bound(record: CallRecord): { kept: CallRecord; text: string } {
    const max = this.options.maxRecordBytes ?? DEFAULT_RECORD_BYTES;
    let text: string | undefined;
    try {
      text = exactJson.stringify(record);
      if (fitsBytes(text, max)) return { kept: record, text };
    } catch {
      /* a value JSON cannot write (nested too deep): kept as a preview below */
    }
    this.trimmedCount++;
    const why = text === undefined ? 'not kept whole: it cannot be serialised' : `not kept whole: the record was over ${max} bytes`;
    const kept: CallRecord = {
      ...record,
      request: { ...record.request, body: preview(record.request.body, why) },
      response: { ...record.response, body: preview(record.response.body, why) },
      deliveries: record.deliveries.slice(0, LISTED_DELIVERIES),
      ...(record.deliveries.length > LISTED_DELIVERIES && { deliveriesNotListed: (record.deliveriesNotListed ?? 0) + record.deliveries.length - LISTED_DELIVERIES }),
    };
    try {
      text = exactJson.stringify(kept);
      if (Buffer.byteLength(text) <= max) return { kept, text };
    } catch {
      /* fall through to the bare record */
    }
    const bare: CallRecord = {
      ...kept,
      query: {},
      request: { headers: {}, body: `(not kept: the record was over ${max} bytes)` },
      response: { status: record.response.status, headers: {}, body: `(not kept: the record was over ${max} bytes)`, code: record.response.code, ...(record.response.fault && { fault: record.response.fault }) },
      violations: record.violations.slice(0, 20).map((v) => ({ ...v, message: v.message.slice(0, 200), pointer: v.pointer.slice(0, 200) })),
      scenarios: record.scenarios.slice(0, 20),
      deliveries: [],
      deliveriesNotListed: record.deliveries.length + (record.deliveriesNotListed ?? 0),
      path: record.path.slice(0, 2048),
    };
    return { kept: bare, text: exactJson.stringify(bare) };
  }

  private store(record: CallRecord, text: string, masked: boolean): Entry {
    const entry: Entry = {
      id: record.id,
      session: record.session,
      api: record.api,
      operationId: record.operationId,
      method: record.method,
      // The path as shown, for the path filter.
      path: masked ? record.path : this.mask.text(record.path),
      time: Date.parse(record.time),
      violations: record.violations.length > 0,
      data: compact(text),
      masked,
      evicted: false,
    };
    let s = this.bySession.get(record.session);
    if (!s) this.bySession.set(record.session, (s = Object.assign(this.rules.share(record.session), { queue: new Queue<Entry>() })));
    s.queue.push(entry);
    this.rules.added(s, entry.data!.length);
    for (let victim = this.rules.victim(s); victim; victim = this.rules.victim(s)) this.evictOldest(victim as SessionEntries);
    return entry;
  }

  /** The session gives up its oldest record; a session left with none is dropped (the rules keep what it lost). */
  private evictOldest(s: SessionEntries): void {
    const entry = s.queue.shift()!;
    const size = entry.data?.length ?? 0;
    entry.evicted = true;
    entry.data = undefined;
    this.rules.evict(s, size);
    if (s.queue.size === 0) this.bySession.delete(s.session);
  }

  query(session: string, filter: CallFilter = {}): CallRecord[] {
    const since = filter.since ? Date.parse(filter.since) : undefined;
    const matches: Entry[] = [];
    for (const e of this.bySession.get(session)?.queue ?? []) {
      if (e.evicted) continue;
      if (filter.api && e.api !== filter.api) continue;
      if (filter.operationId && e.operationId !== filter.operationId) continue;
      if (filter.method && e.method !== filter.method.toUpperCase()) continue;
      if (filter.path && e.path !== filter.path) continue;
      if (since !== undefined && e.time < since) continue;
      if (filter.violationsOnly && !e.violations) continue;
      matches.push(e);
    }
    const picked = filter.limit !== undefined ? matches.slice(Math.max(0, matches.length - filter.limit)) : matches;
    return picked.map((e) => this.read(e));
  }

  /** Clears one session's records and frees them (they no longer count towards the caps); what it lost is forgotten. */
  clear(session: string): number {
    const s = this.bySession.get(session);
    this.rules.clear(session, s);
    if (!s) return 0;
    for (const e of s.queue) {
      e.evicted = true;
      e.data = undefined;
    }
    this.bySession.delete(session);
    return s.queue.size;
  }

  lost(session: string): number {
    return this.rules.lost(session, this.bySession.get(session));
  }

  stats(): JournalStats {
    return {
      records: this.rules.records,
      bytes: this.rules.bytes,
      evicted: this.rules.evicted,
      trimmed: this.trimmedCount,
      // Entries held in the sessions' queues: the records kept, nothing more (cleared and evicted ones are freed).
      queued: [...this.bySession.values()].reduce((n, s) => n + s.queue.size, 0),
      sessionsWithLoss: [...this.bySession.values()].filter((s) => s.lost > 0).length + this.rules.emptiedWithLoss,
      sessions: this.bySession.size,
      subscribers: this.listeners.size,
      maxPerSession: this.options.maxPerSession,
      maxTotal: this.options.maxTotal,
      ...(this.options.file && { file: this.options.file }),
      ...((this.fileError || this.appender?.failure) && { fileError: this.fileError?.message ?? this.appender!.failure!.error }),
      ...(this.restored && { restored: this.restored }),
      ...(this.unreadable && { unreadableLines: this.unreadable }),
    };
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes the NDJSON file to disk and closes it. */
  close(): Promise<void> {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    return Promise.resolve();
  }
}
