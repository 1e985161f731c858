/**
 * Journal: stores one CallRecord per served request and answers queries; knows nothing of HTTP.
 * Records are kept serialised (immutable, and a third of the memory of live objects), bounded per
 * session and in total with the oldest evicted first; `--journal FILE` also appends each as NDJSON.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { CallRecord } from './call-record.js';

export interface JournalOptions {
  maxPerSession: number;
  maxTotal: number;
  /** Append every record to this file as NDJSON, so a long run loses nothing to eviction. */
  file?: string;
}

export const DEFAULT_JOURNAL: JournalOptions = { maxPerSession: 10_000, maxTotal: 100_000 };

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
  text: string;
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
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

export type JournalListener = (record: CallRecord) => void;

export class Journal {
  private readonly all = new Queue<Entry>();
  private readonly bySession = new Map<string, Queue<Entry>>();
  private live = 0;
  private evictedCount = 0;
  private readonly listeners = new Set<JournalListener>();
  private readonly stream?: WriteStream;
  private streamError?: Error;

  constructor(private readonly options: JournalOptions = DEFAULT_JOURNAL) {
    if (options.file) {
      this.stream = createWriteStream(options.file, { flags: 'a' });
      this.stream.on('error', (e) => (this.streamError = e));
    }
  }

  append(record: CallRecord): void {
    const text = JSON.stringify(record);
    const entry: Entry = {
      session: record.session,
      api: record.api,
      operationId: record.operationId,
      method: record.method,
      path: record.path,
      time: Date.parse(record.time),
      violations: record.violations.length > 0,
      text,
      evicted: false,
    };
    let queue = this.bySession.get(record.session);
    if (!queue) this.bySession.set(record.session, (queue = new Queue()));
    queue.push(entry);
    this.all.push(entry);
    this.live++;
    this.stream?.write(text + '\n');
    while (queue.size > this.options.maxPerSession) this.evict(queue.shift()!);
    while (this.live > this.options.maxTotal) {
      const oldest = this.all.shift()!;
      if (!oldest.evicted) {
        this.evict(oldest);
        this.bySession.get(oldest.session)?.shift();
      }
    }
    for (const listener of this.listeners) listener(record);
  }

  private evict(entry: Entry): void {
    entry.evicted = true;
    this.live--;
    this.evictedCount++;
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
    return picked.map((e) => JSON.parse(e.text) as CallRecord);
  }

  /** Clears one session's records (they no longer count towards the caps). */
  clear(session: string): number {
    const queue = this.bySession.get(session);
    if (!queue) return 0;
    let n = 0;
    for (const e of queue) {
      if (!e.evicted) {
        e.evicted = true;
        this.live--;
        n++;
      }
    }
    this.bySession.delete(session);
    return n;
  }

  stats(): { records: number; evicted: number; sessions: number; maxPerSession: number; maxTotal: number; file?: string; fileError?: string } {
    return {
      records: this.live,
      evicted: this.evictedCount,
      sessions: this.bySession.size,
      maxPerSession: this.options.maxPerSession,
      maxTotal: this.options.maxTotal,
      ...(this.options.file && { file: this.options.file }),
      ...(this.streamError && { fileError: this.streamError.message }),
    };
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes the NDJSON file. */
  close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}
