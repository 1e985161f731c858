/**
 * The shared journal (serve --redis): the rules of journal-rules.ts (records masked and bounded as in memory) over
 * the Redis store (redis-journal-store.ts), live records through the Redis event bus. An append resolves once Redis
 * holds its record, before the call is answered: any instance's `/__mock/calls` then shows it. Knows nothing of HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { DeliveryOutcome } from '../apis/api-module.js';
import type { CallRecord } from './call-record.js';
import type { CallFilter, CallJournal, JournalListener, JournalOptions, JournalStats } from './journal.js';
import { rulesOf, type JournalRules } from './journal-rules.js';
import { RedisEventBus } from './redis-event-bus.js';
import { RedisJournalStore } from './redis-journal-store.js';
import type { RedisConnection } from '../state/redis-connection.js';

/**
 * The masking key every instance on this Redis and prefix shares, so one secret masks the same way on
 * all of them: created once (SET NX) and read back. Kept under the prefix only; nothing exports it.
 * Undefined when Redis does not answer in time (the instance then masks with a key of its own).
 */
export async function sharedMaskKey(connection: RedisConnection): Promise<Buffer | undefined> {
  const key = `{${connection.options.prefix}}:mask-key`;
  try {
    const [, [, value]] = (await connection.run(
      connection.client.multi().set(key, randomBytes(32).toString('hex'), 'NX').get(key).exec(),
    )) as [unknown, [unknown, string | null]];
    return value && /^[0-9a-f]{64}$/.test(value) ? Buffer.from(value, 'hex') : undefined;
  } catch {
    return undefined;
  }
}

export interface RedisJournalOptions extends Partial<JournalOptions> {
  maxPerSession: number;
  maxTotal: number;
  /** Expiry of a session's stream, renewed by each call (the store's session expiry). */
  ttlMs: number;
  /** Wall-clock time (ms) for the bookkeeping's idle sessions; default Date.now. */
  now?: () => number;
}

export class RedisJournal implements CallJournal {
  readonly events: RedisEventBus;
  private readonly rules: JournalRules;
  private readonly store: RedisJournalStore;

  constructor(
    connection: RedisConnection,
    private readonly options: RedisJournalOptions,
  ) {
    this.events = new RedisEventBus(connection);
    this.rules = rulesOf(options);
    const { maxPerSession, maxTotal, ttlMs, now } = options;
    this.store = new RedisJournalStore(connection, {
      maxPerSession,
      maxTotal,
      ttlMs,
      now,
      channel: this.events.channel,
    });
  }

  shown(record: CallRecord): CallRecord {
    return this.rules.shown(record);
  }

  /** Resolves once Redis holds the record (and --journal-total counts it); records of one turn share the round trips. */
  append(record: CallRecord): Promise<void> {
    const { kept, text } = this.rules.prepare(record);
    return this.store.add(kept, text);
  }

  /** Resolves once this instance's --journal-total bookkeeping for what it appended so far has reached Redis. */
  settled(): Promise<void> {
    return this.store.settled();
  }

  addDeliveries(record: CallRecord, deliveries: DeliveryOutcome[]): Promise<CallRecord> {
    const line = this.rules.deliveriesLine(record, deliveries);
    return this.store.addDeliveries(line, () => this.rules.settled(record, line));
  }

  query(session: string, filter: CallFilter = {}): Promise<CallRecord[]> {
    return this.store.query(session, filter);
  }

  clear(session: string): Promise<number> {
    return this.store.clear(session);
  }

  /** Records the session lost to a cap since it was last cleared, across instances (once this instance's bookkeeping is in). */
  lost(session: string): Promise<number> {
    return this.store.lost(session);
  }

  /** The store's counts across every instance and the caps (while Redis does not answer: the caps alone). */
  async stats(): Promise<JournalStats> {
    return {
      ...(await this.store.stats()),
      maxPerSession: this.options.maxPerSession,
      maxTotal: this.options.maxTotal,
    };
  }

  subscribe(listener: JournalListener): () => void {
    return this.events.subscribe(listener);
  }

  listening(): Promise<void> {
    return this.events.listening();
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.events.close();
  }
}
