/**
 * Where a journal keeps its records, behind one interface: memory (memory-journal-store.ts), memory with its NDJSON
 * file (file-journal-store.ts) or Redis (redis-journal-store.ts). A store is handed records as the journal's rules
 * (journal-rules.ts) left them and decides nothing of masking or budgets; the journal (journal.ts, redis-journal.ts)
 * is those rules plus one store, chosen once at start-up.
 */
import type { CallFilter, CallRecord } from './call-record.js';
import type { DeliveriesLine, Kept } from './journal-rules.js';
import type { PersistenceFailure } from '../state/append-line.js';

/** What a store counts of itself (GET /__mock/health's journal, with the caps added by the journal). */
export interface JournalStoreStats {
  records: number;
  bytes: number;
  evicted: number;
  /** Records a store cut to the budget itself (merging deliveries). */
  trimmed?: number;
  /** Sessions that lost records to a cap since they were last cleared (their verify and report say so). */
  sessionsWithLoss?: number;
  unreadableLines?: number;
  queued: number;
  sessions: number;
  file?: string;
  fileError?: string;
  restored?: number;
  backend?: string;
}

export interface JournalStore {
  /**
   * Whether a record may be kept as it came (`add(record, raw, false)`) and masked when it is read: only where nothing
   * leaves the process at once (no file, no shared store).
   */
  readonly keepsRaw: boolean;
  /** Keeps a record: `text` its JSON, `masked` false when it was kept as it came. Resolves (or returns) once every read shows it. */
  add(record: CallRecord, text: string, masked: boolean): void | Promise<void>;
  /**
   * Merges a record's settled deliveries into it (`settled`: the record as it then stands, for stores that cannot read
   * theirs back). The stored record as updated, or undefined when the store no longer holds it.
   */
  addDeliveries(line: DeliveriesLine, settled: () => Kept): CallRecord | undefined | Promise<CallRecord | undefined>;
  query(session: string, filter: CallFilter): CallRecord[] | Promise<CallRecord[]>;
  clear(session: string): number | Promise<number>;
  lost(session: string): number | Promise<number>;
  stats(): JournalStoreStats | Promise<JournalStoreStats>;
  /** Why the store cannot write its file, until a write succeeds again (health: degraded). */
  persistence?(): PersistenceFailure | undefined;
  close(): Promise<void>;
}
