/**
 * The shared journal (serve --redis): each session's CallRecords in a Redis stream under the
 * session's hash tag, expiring with the session; --journal-per-session and --journal-total held by one
 * bookkeeping script (TOTAL) under the prefix's tag, by the rules of eviction.ts. Records
 * are masked and bounded by the same rule as in memory (Journal.prepare). Records appended in one turn
 * of the event loop go out together: one script per session (add, renew expiry, publish to the event
 * bus), then one for the caps; an append resolves once Redis holds its record, before the call is
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
 * --journal-per-session and --journal-total across instances, by the rules of eviction.ts: a session over its own cap
 * gives up its own oldest; past the total, the largest session (most records; between equals, the one whose key sorts
 * last) gives up its oldest. KEYS: each session's record count (zset), its last append (zset), what it lost (hash), the
 * totals (hash: records, evicted). ARGV: --journal-total, --journal-per-session, now (ms), the session expiry (ms), then
 * (stream, records appended) pairs. Sessions that appended nothing for an expiry are dropped (their streams expired with
 * them), a few a run. Returns (stream, records to delete from its oldest) pairs: the streams live in other slots.
 */
const TOTAL = `local maxTotal, maxPer, now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local records = tonumber(redis.call('HGET', KEYS[4], 'records') or '0')
for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, 16)) do
  records = records - tonumber(redis.call('ZSCORE', KEYS[1], key) or '0')
  redis.call('ZREM', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
end
local trim, order, evicted = {}, {}, 0
local function drop(key, n)
  if not trim[key] then trim[key] = 0; order[#order + 1] = key end
  trim[key] = trim[key] + n
  redis.call('HINCRBY', KEYS[3], key, n)
  records = records - n
  evicted = evicted + n
end
for i = 5, #ARGV, 2 do
  local key, n = ARGV[i], tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[2], now, key)
  local size = tonumber(redis.call('ZINCRBY', KEYS[1], n, key))
  records = records + n
  if size > maxPer then
    redis.call('ZINCRBY', KEYS[1], maxPer - size, key)
    drop(key, size - maxPer)
  end
end
while records > maxTotal do
  local top = redis.call('ZREVRANGE', KEYS[1], 0, 1, 'WITHSCORES')
  if not top[1] then records = maxTotal break end
  local size, second = tonumber(top[2]), tonumber(top[4] or '0')
  local n = math.min(records - maxTotal, size - second + 1, size)
  if n < size then redis.call('ZINCRBY', KEYS[1], -n, top[1]) else redis.call('ZREM', KEYS[1], top[1]) end
  drop(top[1], n)
end
redis.call('HSET', KEYS[4], 'records', records)
if evicted > 0 then redis.call('HINCRBY', KEYS[4], 'evicted', evicted) end
local out = {}
for _, key in ipairs(order) do out[#out + 1] = key; out[#out + 1] = trim[key] end
return out`;

/** KEYS: a session's stream. ARGV: n. Deletes its n oldest records (and the delivery entries among them); how many it found. */
const TRIM = `local n, deleted = tonumber(ARGV[1]), 0
while deleted < n do
  local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', math.min(n - deleted, 1000))
  if #entries == 0 then break end
  local ids = {}
  for _, e in ipairs(entries) do
    if deleted >= n then break end
    ids[#ids + 1] = e[1]
    if e[2][1] == 'r' then deleted = deleted + 1 end
  end
  redis.call('XDEL', KEYS[1], unpack(ids))
end
return deleted`;

/** KEYS: what sessions lost, the totals. ARGV: a stream, records TOTAL counted as evicted from it that TRIM did not find (gone already). */
const FOUND_GONE = `redis.call('HINCRBY', KEYS[2], 'evicted', -tonumber(ARGV[2]))
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2])) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;

/** KEYS: as TOTAL's. ARGV: a session's stream. Forgets the session's count and what it lost; the records it was counted for. */
const CLEAR = `local n = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if n > 0 then redis.call('HINCRBY', KEYS[4], 'records', -n) end
return n`;

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
  /** Wall-clock time (ms) for the bookkeeping's idle sessions; default Date.now. */
  now?: () => number;
}

export class RedisJournal implements CallJournal {
  readonly events: RedisEventBus;
  /** Masks and bounds records (nothing is stored in it). */
  private readonly rules: Journal;
  private readonly prefix: string;

  private readonly client: Redis & {
    cmJournal(...args: Array<string | number>): Promise<string>;
    cmJournalRecords(...args: Array<string | number>): Promise<string[]>;
    cmJournalTotal(...args: Array<string | number>): Promise<Array<string | number>>;
    cmJournalTrim(...args: Array<string | number>): Promise<number>;
    cmJournalClear(...args: Array<string | number>): Promise<number>;
    cmJournalFoundGone(...args: Array<string | number>): Promise<number>;
  };
  /** Records appended in this turn of the event loop, by session, sent together at its end (one script per session). */
  private batch: { bySession: Map<string, string[]>; order: string[] } | undefined;
  private batchDone: Promise<void> | undefined;
  /** --journal-total's bookkeeping of batches already in their streams, still on its way (reads and close() wait for it). */
  private readonly totals = new Set<Promise<void>>();
  /** The bookkeeping of both caps across every instance (TOTAL's keys): each session's count, last append and loss; the totals. */
  private readonly totalKeys: [sizes: string, touched: string, lost: string, counts: string];

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisJournalOptions,
  ) {
    this.prefix = connection.options.prefix;
    this.client = connection.client as typeof this.client;
    // Approximate trimming (~) is what keeps XADD O(1); query() cuts to the exact cap.
    if (!('cmJournal' in connection.client)) connection.client.defineCommand('cmJournal', { numberOfKeys: 2, lua: APPEND });
    if (!('cmJournalRecords' in connection.client)) connection.client.defineCommand('cmJournalRecords', { numberOfKeys: 2, lua: APPEND_RECORDS });
    if (!('cmJournalTotal' in connection.client)) connection.client.defineCommand('cmJournalTotal', { numberOfKeys: 4, lua: TOTAL });
    if (!('cmJournalTrim' in connection.client)) connection.client.defineCommand('cmJournalTrim', { numberOfKeys: 1, lua: TRIM });
    if (!('cmJournalFoundGone' in connection.client)) connection.client.defineCommand('cmJournalFoundGone', { numberOfKeys: 2, lua: FOUND_GONE });
    if (!('cmJournalClear' in connection.client)) connection.client.defineCommand('cmJournalClear', { numberOfKeys: 4, lua: CLEAR });
    const p = `{${this.prefix}}`;
    // Keys of their own: the earlier `journal-order` list and `journal-counts` (one entry a record) are not read.
    this.totalKeys = [`${p}:journal-sizes`, `${p}:journal-touched`, `${p}:journal-lost`, `${p}:journal-totals`];
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
    await Promise.all(
      sessions.map(([session, texts]) => {
        const { journal: key, meta } = sessionKeys(this.prefix, session);
        // MAXLEN ~ 2× the cap is only a backstop (when the bookkeeping below fails): the caps are held by TOTAL and TRIM.
        return this.connection.run(this.client.cmJournalRecords(key, meta, 2 * this.options.maxPerSession, this.options.ttlMs, this.events.channel, ...texts));
      }),
    );
    const appended = sessions.flatMap(([session, texts]) => [sessionKeys(this.prefix, session).journal, texts.length]);
    const total = this.holdCaps(appended).catch(() => undefined);
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
   * Both caps across instances (TOTAL): each session's count grows by what it appended; the records it or the largest
   * session must give up are then deleted from their streams (TRIM, one script per stream). Records that were gone
   * already (cleared, expired with their session) are not counted as evicted nor lost.
   */
  private async holdCaps(appended: Array<string | number>): Promise<void> {
    const [sizes, touched, lost, counts] = this.totalKeys;
    const { maxTotal, maxPerSession, ttlMs } = this.options;
    const trims = await this.connection.run(this.client.cmJournalTotal(sizes, touched, lost, counts, maxTotal, maxPerSession, (this.options.now ?? Date.now)(), ttlMs, ...appended));
    await Promise.all(
      Array.from({ length: trims.length / 2 }, async (_, i) => {
        const key = String(trims[2 * i]);
        const n = Number(trims[2 * i + 1]);
        const missing = n - (await this.connection.run(this.client.cmJournalTrim(key, n)));
        if (missing) await this.connection.run(this.client.cmJournalFoundGone(lost, counts, key, missing));
      }),
    );
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
    const key = sessionKeys(this.prefix, session).journal;
    await this.connection.run(this.connection.client.del(key));
    await this.connection.run(this.client.cmJournalClear(...this.totalKeys, key));
    return n;
  }

  /** Records the session lost to a cap since it was last cleared, across instances (once this instance's bookkeeping is in). */
  async lost(session: string): Promise<number> {
    await this.settled();
    const n = await this.connection.run(this.connection.client.hget(this.totalKeys[2], sessionKeys(this.prefix, session).journal));
    return Math.max(0, Number(n ?? 0));
  }

  /**
   * The records kept and evicted by the caps across every instance (a record expired with its session is counted
   * until the bookkeeping drops its session, an expiry after its last call), the sessions counted and those that lost
   * records, and the caps. While Redis does not answer: the caps alone.
   */
  async stats(): Promise<JournalStats> {
    const base = { backend: 'redis', records: 0, bytes: 0, evicted: 0, queued: 0, sessions: 0, maxPerSession: this.options.maxPerSession, maxTotal: this.options.maxTotal };
    await this.settled();
    const [sizes, , lost, counts] = this.totalKeys;
    try {
      const [[, c], [, sessions], [, withLoss]] = (await this.connection.run(this.connection.client.multi().hgetall(counts).zcard(sizes).hlen(lost).exec())) as [[unknown, Record<string, string>], [unknown, number], [unknown, number]];
      return { ...base, records: Math.max(0, Number(c['records'] ?? 0)), evicted: Number(c['evicted'] ?? 0), sessions, sessionsWithLoss: withLoss };
    } catch {
      return base;
    }
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
