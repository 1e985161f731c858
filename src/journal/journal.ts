/**
 * Journal: stores one CallRecord per served request and answers queries; knows nothing of HTTP.
 * Records are kept serialised (immutable, and a third of the memory of live objects), bounded per
 * session and in total with the oldest evicted first; `--journal FILE` also appends each as NDJSON.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { CallRecord } from './call-record.js';

export interface JournalOptions {
  maxPerSession: number;
  maxTotal: number;
  /** Bytes of serialised records kept in all (large bodies count for what they weigh). */
  maxBytes?: number;
  /** Append every record to this file as NDJSON, so a long run loses nothing to eviction. */
  file?: string;
  /** Read the file's records back at start (serve --state). */
  restore?: boolean;
}

export const DEFAULT_JOURNAL: JournalOptions = { maxPerSession: 10_000, maxTotal: 100_000, maxBytes: 256 * 1024 * 1024 };

export interface CallFilter {
  api?: string;
  operationId?: string;
  method?: string;
  path?: string;
  /** ISO time: only calls at or after it. */
  since?: string;
  /** Only the newest N (still returned oldest first). */
  limit?: number;
  violationsOnly?: boolean;
}

interface Entry {
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

/** The text itself when ASCII; else an unpooled UTF-8 buffer (a pooled slice would keep its whole 8 KB slab alive after eviction). */
function compact(text: string): string | Buffer {
  const bytes = Buffer.byteLength(text);
  if (bytes === text.length) return text;
  const buf = Buffer.allocUnsafeSlow(bytes);
  buf.write(text, 'utf8');
  return buf;
}

const textOf = (data: string | Buffer): string => (typeof data === 'string' ? data : data.toString('utf8'));

export type JournalListener = (record: CallRecord) => void;

export class Journal {
  private all: Queue<Entry> = new Queue<Entry>();
  private readonly bySession = new Map<string, Queue<Entry>>();
  private live = 0;
  private bytes = 0;
  private evictedCount = 0;
  /** Evicted entries still in `all` (dropped from it in bulk, so memory stays bounded by the caps). */
  private garbage = 0;
  private readonly listeners = new Set<JournalListener>();
  private fd?: number;
  private fileError?: Error;
  /** Records read back from the file at start (a restarted `serve --state`). */
  readonly restored: number = 0;

  constructor(private readonly options: JournalOptions = DEFAULT_JOURNAL) {
    if (options.file) {
      if (options.restore && existsSync(options.file)) this.restored = this.restore(options.file);
      this.fd = openSync(options.file, 'a');
    }
  }

  /** Reads records back from an NDJSON journal (newest kept within the caps); a torn last line is skipped. */
  private restore(file: string): number {
    let n = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        this.store(JSON.parse(line) as CallRecord, line);
        n++;
      } catch {
        /* a line cut short by a crash */
      }
    }
    return n;
  }

  append(record: CallRecord): void {
    const text = JSON.stringify(record);
    if (this.fd !== undefined) {
      try {
        // Synchronous, so a record is in the file as soon as it exists (kill -9 loses nothing after it).
        writeSync(this.fd, text + '\n');
      } catch (e) {
        this.fileError = e as Error;
      }
    }
    this.store(record, text);
    for (const listener of this.listeners) listener(record);
  }

  private store(record: CallRecord, text: string): void {
    const entry: Entry = {
      session: record.session,
      api: record.api,
      operationId: record.operationId,
      method: record.method,
      path: record.path,
      time: Date.parse(record.time),
      violations: record.violations.length > 0,
      data: compact(text),
      evicted: false,
    };
    let queue = this.bySession.get(record.session);
    if (!queue) this.bySession.set(record.session, (queue = new Queue()));
    queue.push(entry);
    this.all.push(entry);
    this.live++;
    this.bytes += entry.data!.length;
    while (queue.size > this.options.maxPerSession) this.evict(queue.shift()!);
    while (this.live > this.options.maxTotal || (this.options.maxBytes !== undefined && this.bytes > this.options.maxBytes && this.live > 1)) {
      const oldest = this.all.shift()!;
      if (oldest.evicted) this.garbage--;
      else {
        this.bySession.get(oldest.session)?.shift();
        this.evict(oldest);
        this.garbage--;
      }
    }
  }

  private evict(entry: Entry): void {
    entry.evicted = true;
    this.bytes -= entry.data?.length ?? 0;
    entry.data = undefined;
    this.live--;
    this.evictedCount++;
    this.garbage++;
    // Once evicted entries outnumber live ones, rebuild the global queue without them (amortised O(1)).
    if (this.garbage > this.live + 1024) {
      const kept = new Queue<Entry>();
      for (const e of this.all) if (!e.evicted) kept.push(e);
      this.all = kept;
      this.garbage = 0;
    }
  }

  query(session: string, filter: CallFilter = {}): CallRecord[] {
    const since = filter.since ? Date.parse(filter.since) : undefined;
    const matches: Entry[] = [];
    for (const e of this.bySession.get(session) ?? []) {
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
    return picked.map((e) => JSON.parse(textOf(e.data!)) as CallRecord);
  }

  /** Clears one session's records (they no longer count towards the caps). */
  clear(session: string): number {
    const queue = this.bySession.get(session);
    if (!queue) return 0;
    let n = 0;
    for (const e of queue) {
      if (!e.evicted) {
        e.evicted = true;
        this.bytes -= e.data?.length ?? 0;
        e.data = undefined;
        this.live--;
        this.garbage++;
        n++;
      }
    }
    this.bySession.delete(session);
    return n;
  }

  stats(): { records: number; bytes: number; evicted: number; queued: number; sessions: number; maxPerSession: number; maxTotal: number; file?: string; fileError?: string; restored?: number } {
    return {
      records: this.live,
      bytes: this.bytes,
      evicted: this.evictedCount,
      queued: this.all.size,
      sessions: this.bySession.size,
      maxPerSession: this.options.maxPerSession,
      maxTotal: this.options.maxTotal,
      ...(this.options.file && { file: this.options.file }),
      ...(this.fileError && { fileError: this.fileError.message }),
      ...(this.restored && { restored: this.restored }),
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
