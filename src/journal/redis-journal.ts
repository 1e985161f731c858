/**
 * The shared journal (serve --redis): each session's CallRecords in a Redis stream under the
 * session's hash tag, capped at --journal-per-session (MAXLEN) and expiring with the session. Records
 * are masked and bounded by the same rule as in memory (Journal.prepare). Records appended in one turn
 * of the event loop go out together: one script per session (add, renew expiry, publish to the event
 * bus), then one for --journal-total; an append resolves once Redis holds its record, before the call is
 * answered: any instance's `/__mock/calls` then shows it. Delivery outcomes, which settle
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
import { EXPIRE_WITH, sessionKeys } from '../state/redis-store.js';

/** KEYS: the stream, its session's meta (the stream expires with the session: EXPIRE_WITH). ARGV: maxlen, field, text, ttl, channel, published text. The entry's id. */
const APPEND = `local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[3])
${EXPIRE_WITH('KEYS[1]', "redis.call('PTTL', KEYS[2])", 'ARGV[4]')}
redis.call('PUBLISH', ARGV[5], ARGV[6])
return id`;

/** KEYS: the stream, its session's meta. ARGV: maxlen, ttl, channel, then records (each added as field `r` and published as it is). Their entry ids, in order. */
const APPEND_RECORDS = `local ids = {}
for i = 4, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'r', ARGV[i])
  redis.call('PUBLISH', ARGV[3], ARGV[i])
end
${EXPIRE_WITH('KEYS[1]', "redis.call('PTTL', KEYS[2])", 'ARGV[2]')}
return ids`;

/**
 * KEYS: the order of records in all (a list of `stream id` entries, oldest first) and the counts (hash). ARGV:
 * --journal-total, then the new records' entries. Past the cap, the oldest entries are taken off and returned (their records
 * to be deleted from their streams, which live in other slots).
 */
const TOTAL = `for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('HINCRBY', KEYS[2], 'records', #ARGV - 1)
local over = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[1])
if over <= 0 then return {} end
local gone = redis.call('LPOP', KEYS[1], over)
redis.call('HINCRBY', KEYS[2], 'records', -over)
redis.call('HINCRBY', KEYS[2], 'evicted', over)
return gone`;

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
  private readonly prefix: string;

  private readonly client: Redis & {
    cmJournal(...args: Array<string | number>): Promise<string>;
    cmJournalRecords(...args: Array<string | number>): Promise<string[]>;
    cmJournalTotal(...args: Array<string | number>): Promise<string[]>;
  };
  /** Records appended in this turn of the event loop, by session, sent together at its end (one script per session). */
  private batch: { bySession: Map<string, string[]>; order: string[] } | undefined;
  private batchDone: Promise<void> | undefined;
  /** --journal-total's bookkeeping of batches already in their streams, still on its way (reads and close() wait for it). */
  private readonly totals = new Set<Promise<void>>();
  /** The order of records across every instance and session, and their counts: what --journal-total is held by. */
  private readonly order: string;
  private readonly counts: string;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisJournalOptions,
  ) {
    this.prefix = connection.options.prefix;
    this.client = connection.client as typeof this.client;
    // Approximate trimming (~) is what keeps XADD O(1); query() cuts to the exact cap.
    if (!('cmJournal' in connection.client)) connection.client.defineCommand('cmJournal', { numberOfKeys: 2, lua: APPEND });
    if (!('cmJournalRecords' in connection.client)) connection.client.defineCommand('cmJournalRecords', { numberOfKeys: 2, lua: APPEND_RECORDS });
    if (!('cmJournalTotal' in connection.client)) connection.client.defineCommand('cmJournalTotal', { numberOfKeys: 2, lua: TOTAL });
    this.order = `{${this.prefix}}:journal-order`;
    this.counts = `{${this.prefix}}:journal-counts`;
    this.events = new RedisEventBus(connection);
    const { file: _file, restore: _restore, ...rules } = options;
    this.rules = new Journal({ ...rules, maxPerSession: 1, maxTotal: 1 });
  }

  /** One entry on the session's stream (field `r`: a record, `d`: delivery outcomes), published to every instance: one script, one round trip. Its id. */
  private add(session: string, field: 'r' | 'd', text: string, published: string): Promise<string> {
    const { journal: key, meta } = sessionKeys(this.prefix, session);
    return this.connection.run(this.client.cmJournal(key, meta, 2 * this.options.maxPerSession, field, text, this.options.ttlMs, this.events.channel, published));
  }

  shown(record: CallRecord): CallRecord {
    return this.rules.shown(record);
  }

  /** Resolves once Redis holds the record (and --journal-total counts it); records of one turn share the round trips. */
  append(record: CallRecord): Promise<void> {
    const { text } = this.rules.prepare(record);
    if (!this.batch) {
      const batch = (this.batch = { bySession: new Map(), order: [] });
      this.batchDone = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.send(batch));
    }
    let texts = this.batch.bySession.get(record.session);
    if (!texts) this.batch.bySession.set(record.session, (texts = []));
    texts.push(text);
    this.batch.order.push(record.session);
    return this.batchDone!;
  }

  /**
   * One turn's records: each session's in one script, in the order appended, resolved once every stream holds
   * them (any instance's /__mock/calls shows them then). The total cap over all of them, in that order too, follows
   * without the calls waiting for it: it is bookkeeping in another slot and one more round trip, a third of a
   * one-session call's wait. Reads on this instance wait for it (settled); another instance may list a few records
   * over the cap for that round trip. If it fails (Redis went away), those records are not counted in all;
   * --journal-per-session and the session's expiry still bound them.
   */
  private async send(batch: NonNullable<RedisJournal['batch']>): Promise<void> {
    if (this.batch === batch) this.batch = undefined;
    const sessions = [...batch.bySession];
    const ids = await Promise.all(
      sessions.map(async ([session, texts]) => {
        const { journal: key, meta } = sessionKeys(this.prefix, session);
        return (await this.connection.run(this.client.cmJournalRecords(key, meta, 2 * this.options.maxPerSession, this.options.ttlMs, this.events.channel, ...texts))).map((id) => `${key} ${id}`);
      }),
    );
    const next = new Map(sessions.map(([session], i) => [session, ids[i]!.values()]));
    const total = this.holdTotal(batch.order.map((session) => next.get(session)!.next().value as string)).catch(() => undefined);
    this.totals.add(total);
    void total.finally(() => this.totals.delete(total));
  }

  /**
   * Resolves once this instance's --journal-total bookkeeping for what it appended so far has reached Redis (what
   * that evicted is gone). Only what is pending now: under steady traffic there always is more.
   */
  async settled(): Promise<void> {
    if (this.totals.size) await Promise.all([...this.totals]);
  }

  /**
   * --journal-total across instances: the record joins the order of all records; the oldest past the cap
   * are deleted from their sessions' streams. One that was gone already (cleared, trimmed at
   * --journal-per-session, expired with its session) is not counted as evicted.
   */
  private async holdTotal(entries: string[]): Promise<void> {
    const gone = await this.connection.run(this.client.cmJournalTotal(this.order, this.counts, this.options.maxTotal, ...entries));
    if (!gone.length) return;
    const deleted = await Promise.all(
      gone.map((e) => {
        const at = e.lastIndexOf(' ');
        return this.connection.run(this.connection.client.xdel(e.slice(0, at), e.slice(at + 1)));
      }),
    );
    const missing = gone.length - deleted.reduce((n, d) => n + d, 0);
    if (missing) await this.connection.run(this.connection.client.multi().hincrby(this.counts, 'records', missing).hincrby(this.counts, 'evicted', -missing).exec());
  }

  async addDeliveries(record: CallRecord, deliveries: DeliveryOutcome[]): Promise<CallRecord> {
    const line = this.rules.deliveriesLine(record, deliveries);
    const { deliveriesNotListed: _, ...rest } = record;
    const { kept, text } = this.rules.prepare({ ...rest, deliveries: line.deliveries, ...(line.deliveriesNotListed && { deliveriesNotListed: line.deliveriesNotListed }) });
    await this.add(record.session, 'd', exactJson.stringify(line), text);
    return kept;
  }

  async query(session: string, filter: CallFilter = {}): Promise<CallRecord[]> {
    await this.settled();
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
    if (n) await this.connection.run(this.connection.client.hincrby(this.counts, 'records', -n));
    return n;
  }

  /**
   * The records kept and evicted by --journal-total across every instance (records trimmed at
   * --journal-per-session or expired with their session are counted until the total cap reaches them),
   * and the caps. While Redis does not answer: the caps alone.
   */
  async stats(): Promise<JournalStats> {
    const base = { backend: 'redis', records: 0, bytes: 0, evicted: 0, queued: 0, sessions: 0, maxPerSession: this.options.maxPerSession, maxTotal: this.options.maxTotal };
    await this.settled();
    try {
      const counts = await this.connection.run(this.connection.client.hgetall(this.counts));
      return { ...base, records: Math.max(0, Number(counts['records'] ?? 0)), evicted: Number(counts['evicted'] ?? 0) };
    } catch {
      return base;
    }
  }

  async lost(_session: string): Promise<number> {
    return 0;
  }

  subscribe(listener: JournalListener): () => void {
    return this.events.subscribe(listener);
  }

  listening(): Promise<void> {
    return this.events.listening();
  }

  async close(): Promise<void> {
    while (this.totals.size) await this.settled();
    await this.events.close();
  }
}
