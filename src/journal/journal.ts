/**
 * Journal: stores one CallRecord per served request and answers queries; knows nothing of HTTP.
 * A journal is the rules of journal-rules.ts (every record masked and kept within a per-record budget, so whatever
 * reads the journal — calls, HAR, NDJSON, events, the file, the dashboard — sees the same safe record) plus one
 * store (journal-store.ts), chosen once: memory, or memory with its NDJSON file (`--journal FILE`, or
 * `journal.ndjson` under `--state`). The shared journal (serve --redis) is redis-journal.ts, the same rules over Redis.
 */
import type { DeliveryOutcome } from '../apis/api-module.js';
// CallFilter lives with CallRecord so the client's type declarations need no node types.
import type { CallFilter, CallRecord } from './call-record.js';
export type { CallFilter };
import type { SecretMask } from './secret-mask.js';
import type { PersistenceFailure, WriteLine } from '../state/append-line.js';
import { DEFAULT_RECORD_BYTES, rulesOf, type JournalRules, type Kept } from './journal-rules.js';
export type { DeliveriesLine } from './journal-rules.js';
import type { JournalStoreStats } from './journal-store.js';
import { MemoryJournalStore } from './memory-journal-store.js';
import { FileJournalStore } from './file-journal-store.js';

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
  maxRecordBytes: DEFAULT_RECORD_BYTES,
  rotateBytes: 64 * 1024 * 1024,
  keepFiles: 4,
};

export type JournalListener = (record: CallRecord) => void;

/** Live call records for `/__mock/events`: in process here; across instances through Redis. */
export interface EventBus {
  subscribe(listener: JournalListener): () => void;
  /** Resolves once records published from now on reach the listeners (a shared bus subscribes asynchronously). */
  listening?(): Promise<void>;
}

/** What health shows of a journal: its store's counts, and the caps and live subscribers the journal adds. */
export interface JournalStats extends JournalStoreStats {
  subscribers?: number;
  maxPerSession: number;
  maxTotal: number;
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

/** A store of this process: answers at once (memory, or memory and its file). */
type LocalStore = MemoryJournalStore | FileJournalStore;

/** The in-process journal: the rules over memory (and its file), chosen once; listeners called at once. */
export class Journal implements CallJournal {
  private readonly rules: JournalRules;
  private readonly store: LocalStore;
  private readonly listeners = new Set<JournalListener>();
  /** Records cut to the record budget as they were appended. */
  private trimmed = 0;

  constructor(
    private readonly options: JournalOptions = DEFAULT_JOURNAL,
    parts: { rules: JournalRules; store: LocalStore } = Journal.parts(options),
  ) {
    this.rules = parts.rules;
    this.store = parts.store;
  }

  /** The rules of these options, over memory or (with a file) memory and its file. */
  private static parts(options: JournalOptions): { rules: JournalRules; store: LocalStore } {
    const rules = rulesOf(options);
    const memory = new MemoryJournalStore(rules, options);
    return {
      rules,
      store: options.file ? new FileJournalStore(memory, { ...options, file: options.file }, options.restore) : memory,
    };
  }

  /** A journal that first reads its file's records back (streaming, newest kept within the caps), then appends to it. */
  static async open(options: JournalOptions): Promise<Journal> {
    if (!options.file || !options.restore) return new Journal(options);
    const rules = rulesOf(options);
    const store = await FileJournalStore.open(new MemoryJournalStore(rules, options), {
      ...options,
      file: options.file,
    });
    return new Journal(options, { rules, store });
  }

  /** Records read back from the file at start (a restarted `serve --state`). */
  get restored(): number {
    return this.store instanceof FileJournalStore ? this.store.restored : 0;
  }

  persistence(): PersistenceFailure | undefined {
    return this.store instanceof FileJournalStore ? this.store.persistence() : undefined;
  }

  private count(kept: Kept): Kept {
    if (kept.trimmed) this.trimmed++;
    return kept;
  }

  shown(record: CallRecord): CallRecord {
    return this.count(this.rules.prepare(record)).kept;
  }

  /**
   * Stores a record. Masked now when it leaves the process at once (the file, a live listener); else kept
   * as it came and masked when it is read (query, the only way out of the journal), so an API call does
   * not pay for masking what nobody may ever read (JournalRules.raw: only records that fit a quarter of the budget).
   */
  append(record: CallRecord): void {
    if (this.store.keepsRaw && this.listeners.size === 0) {
      const text = this.rules.raw(record);
      if (text !== undefined) return this.store.add(record, text, false);
    }
    const { kept, text } = this.count(this.rules.prepare(record));
    this.store.add(kept, text, true);
    for (const listener of this.listeners) listener(kept);
  }

  /**
   * Adds the outcomes of a record's deliveries once they settle (the record was stored when its answer
   * was sent, with its deliveries pending). The file gets a line of its own, merged back on restore.
   */
  addDeliveries(record: CallRecord, deliveries: DeliveryOutcome[]): CallRecord {
    const line = this.rules.deliveriesLine(record, deliveries);
    const updated = this.store.addDeliveries(line);
    // Evicted (or cleared) meanwhile: nothing stored to update; say what became of it all the same.
    if (!updated) return this.count(this.rules.settled(record, line)).kept;
    for (const listener of this.listeners) listener(updated);
    return updated;
  }

  query(session: string, filter: CallFilter = {}): CallRecord[] {
    return this.store.query(session, filter);
  }

  /** Clears one session's records and frees them (they no longer count towards the caps); what it lost is forgotten. */
  clear(session: string): number {
    return this.store.clear(session);
  }

  lost(session: string): number {
    return this.store.lost(session);
  }

  stats(): JournalStats {
    const {
      records,
      bytes,
      evicted,
      trimmed,
      queued,
      sessionsWithLoss,
      sessions,
      file,
      fileError,
      restored,
      unreadableLines,
    } = this.store.stats();
    return {
      records,
      bytes,
      evicted,
      trimmed: this.trimmed + (trimmed ?? 0),
      queued,
      sessionsWithLoss,
      sessions,
      subscribers: this.listeners.size,
      maxPerSession: this.options.maxPerSession,
      maxTotal: this.options.maxTotal,
      ...(file && { file }),
      ...(fileError && { fileError }),
      ...(restored && { restored }),
      ...(unreadableLines && { unreadableLines }),
    };
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes the NDJSON file to disk and closes it. */
  close(): Promise<void> {
    return this.store.close();
  }
}
