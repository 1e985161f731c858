/**
 * The shared journal (serve --redis): each session's CallRecords in a Redis stream under the
 * session's hash tag, capped at --journal-per-session (MAXLEN) and expiring with the session. Records
 * are masked and bounded by the same rule as in memory (Journal.prepare). An append is one round trip
 * (add, renew expiry, publish to the event bus) and resolves once Redis holds the record, before the
 * call is answered: any instance's `/__mock/calls` then shows it. Delivery outcomes, which settle
 * after the answer, are a second entry merged into their record when read. Knows nothing of HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { exactJson } from '../contract/exact-json.js';
import type { DeliveryOutcome } from '../apis/api-module.js';
import type { CallRecord } from './call-record.js';
import { Journal, type CallFilter, type CallJournal, type DeliveriesLine, type JournalListener, type JournalOptions, type JournalStats } from './journal.js';
import { RedisEventBus } from './redis-event-bus.js';
import type { RedisConnection } from '../state/redis-connection.js';
import { sessionKeys } from '../state/redis-store.js';

/** KEYS: the stream. ARGV: maxlen, field, text, ttl, channel, published text. */
const APPEND = `redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`;

/**
 * The masking key every instance on this Redis and prefix shares, so one secret masks the same way on
 * all of them: created once (SET NX) and read back. Kept under the prefix only; nothing exports it.
 * Undefined when Redis does not answer in time (the instance then masks with a key of its own).
 */
export async function sharedMaskKey(connection: RedisConnection): Promise<Buffer | undefined> {
  const key = `{${connection.options.prefix}}:mask-key`;
  try {
    const [, [, value]] = (await connection.run(connection.client.multi().set(key, randomBytes(32).toString('hex'), 'NX').get(key).exec())) as [unknown, [unknown, string | null]];
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
}

export class RedisJournal implements CallJournal {
  readonly events: RedisEventBus;
  /** Masks and bounds records (nothing is stored in it). */
  private readonly rules: Journal;
  private appended = 0;
  private readonly prefix: string;

  private readonly client: Redis & { cmJournal(...args: Array<string | number>): Promise<unknown> };

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisJournalOptions,
  ) {
    this.prefix = connection.options.prefix;
    this.client = connection.client as typeof this.client;
    // Approximate trimming (~) is what keeps XADD O(1); query() cuts to the exact cap.
    if (!('cmJournal' in connection.client)) connection.client.defineCommand('cmJournal', { numberOfKeys: 1, lua: APPEND });
    this.events = new RedisEventBus(connection);
    const { file: _file, restore: _restore, ...rules } = options;
    this.rules = new Journal({ ...rules, maxPerSession: 1, maxTotal: 1 });
  }

  /** One entry on the session's stream (field `r`: a record, `d`: delivery outcomes), published to every instance: one script, one round trip. */
  private async add(session: string, field: 'r' | 'd', text: string, published: string): Promise<void> {
    const key = sessionKeys(this.prefix, session).journal;
    await this.connection.run(this.client.cmJournal(key, 2 * this.options.maxPerSession, field, text, this.options.ttlMs, this.events.channel, published));
  }

  async append(record: CallRecord): Promise<CallRecord> {
    const { kept, text } = this.rules.prepare(record);
    await this.add(record.session, 'r', text, text);
    this.appended++;
    return kept;
  }

  async addDeliveries(record: CallRecord, deliveries: DeliveryOutcome[]): Promise<CallRecord> {
    const line = this.rules.deliveriesLine(record, deliveries);
    const { deliveriesNotListed: _, ...rest } = record;
    const { kept, text } = this.rules.prepare({ ...rest, deliveries: line.deliveries, ...(line.deliveriesNotListed && { deliveriesNotListed: line.deliveriesNotListed }) });
    await this.add(record.session, 'd', exactJson.stringify(line), text);
    return kept;
  }

  async query(session: string, filter: CallFilter = {}): Promise<CallRecord[]> {
    const key = sessionKeys(this.prefix, session).journal;
    const entries = await this.connection.run(this.connection.client.xrange(key, '-', '+'));
    const records: CallRecord[] = [];
    const byId = new Map<string, CallRecord>();
    for (const [, [field, text]] of entries) {
      if (field === 'r') {
        const r = exactJson.parse(text!) as CallRecord;
        records.push(r);
        byId.set(r.id, r);
      } else {
        const line = exactJson.parse(text!) as DeliveriesLine;
        const r = byId.get(line.deliveriesOf);
        if (!r) continue;
        r.deliveries = line.deliveries;
        if (line.deliveriesNotListed) r.deliveriesNotListed = line.deliveriesNotListed;
        else delete r.deliveriesNotListed;
      }
    }
    const since = filter.since ? Date.parse(filter.since) : undefined;
    const out: CallRecord[] = [];
    for (const r of records.slice(Math.max(0, records.length - this.options.maxPerSession))) {
      if (filter.api && r.api !== filter.api) continue;
      if (filter.operationId && r.operationId !== filter.operationId) continue;
      if (filter.method && r.method !== filter.method.toUpperCase()) continue;
      if (filter.path && r.path !== filter.path) continue;
      if (since !== undefined && Date.parse(r.time) < since) continue;
      if (filter.violationsOnly && !r.violations.length) continue;
      out.push(r);
    }
    return filter.limit !== undefined ? out.slice(Math.max(0, out.length - filter.limit)) : out;
  }

  async clear(session: string): Promise<number> {
    const n = (await this.query(session)).length;
    await this.connection.run(this.connection.client.del(sessionKeys(this.prefix, session).journal));
    return n;
  }

  /** What this instance appended, and the caps; the records themselves are in Redis. */
  stats(): JournalStats {
    return { backend: 'redis', records: this.appended, bytes: 0, evicted: 0, queued: 0, sessions: 0, maxPerSession: this.options.maxPerSession, maxTotal: this.options.maxTotal };
  }

  subscribe(listener: JournalListener): () => void {
    return this.events.subscribe(listener);
  }

  listening(): Promise<void> {
    return this.events.listening();
  }

  async close(): Promise<void> {
    await this.events.close();
  }
}
