/**
 * The shared Store (serve --redis): every session's records, counters and clock in Redis, so all
 * instances on one Redis and prefix are one mock. A session's keys share the hash tag
 * `{prefix:session}` (one Cluster slot; every multi-key script stays inside it); each session
 * expires when idle; `--max-sessions` and `--max-records` are counted in Redis, so they hold across
 * instances (at the session cap the least recently used session is evicted, as in memory). Record values are JSON;
 * each session's meta holds the bytes of its records' JSON (`bytes`), kept by the same scripts that write them, so
 * --max-state-bytes holds across instances too. Knows nothing of HTTP or of any API's records.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Redis } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';
import { DEFAULT_MAX_RECORDS, DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_IDLE_MS } from './memory-store.js';
import { ABSENT, SessionLease } from './session-lease.js';
import { DEFAULT_MAX_STATE_BYTES, DEFAULT_MAX_STORE_BYTES, recordBytes, type StateBudget } from './state-budget.js';
import { RedisStoreBytes, SUM_STORE_BYTES } from './redis-store-bytes.js';
import { collectionKey, sessionKeys, type SessionKeys } from './redis-keys.js';
export { sessionKeys, type SessionKeys };
import { StateLimitError, StoreUnavailableError, type Clock, type OpenResult, type SessionDump, type SessionStats, type SessionStore, type Store, type StoreHealth } from './store.js';

export interface RedisStoreOptions extends StateBudget {
  connection: RedisConnection;
  clock: Clock;
  seed: () => SessionDump;
  maxSessions?: number;
  /** At the cap, the least recently used session is dropped only if idle this long. */
  sessionIdleMs?: number;
  maxRecordsPerSession?: number;
  /** A session nobody used for this long is removed from Redis (default 24 h). */
  sessionTtlMs?: number;
  /** Told about evictions (the first, then every 1,000th), for the server's log. */
  log?: (message: string) => void;
}

export const DEFAULT_SESSION_TTL_MS = 24 * 3600_000;
/** How often an instance notes a session's use in the shared index (its idle time is known to this precision). */
const ADMIT_EVERY_MS = 5000;

/**
 * A session's expiry, the one rule every script follows: all its keys (meta, the keys set, the journal, every
 * collection) expire at the same moment, so a session expires whole. No record outlives its session (a new
 * session of that id would find it) and none expires before it (the session would lose its seed data).
 * Renewing means setting every key to the full TTL; a session used again is renewed only once its meta has
 * lost a sixteenth of the TTL (90 minutes at the default day), not on every call, which would cost one
 * PEXPIRE per collection per call. A key created between renewals gets the meta's remaining time.
 */
const RENEW = (meta: string, keys: string, journal: string, ttl: string, left = `redis.call('PTTL', ${meta})`): string => `if ${left} < tonumber(${ttl}) * 15 / 16 then
  for _, k in ipairs(redis.call('SMEMBERS', ${keys})) do redis.call('PEXPIRE', k, ${ttl}) end
  redis.call('PEXPIRE', ${meta}, ${ttl}); redis.call('PEXPIRE', ${keys}, ${ttl}); redis.call('PEXPIRE', ${journal}, ${ttl})
end`;
/**
 * A key given its session's expiry (RENEW) when it has none (it is new): `left`, the meta's remaining time (PTTL), or
 * the full TTL when the meta has none. A key that has an expiry already has the session's.
 */
export const EXPIRE_WITH = (key: string, left: string, ttl: string): string =>
  `if redis.call('PTTL', ${key}) == -1 then local ms = ${left}; redis.call('PEXPIRE', ${key}, ms > 0 and ms or ${ttl}) end`;

/** Lua, run atomically in Redis; each touches only the keys of one session (or the one session index). Named `cm...`: a client command of Redis's own name (TOUCH, DEL) would shadow them. */
const SCRIPTS = {
  // KEYS: meta, keys, journal. ARGV: ttl. The session's clock offset, its expiry renewed (RENEW); nil when absent.
  cmTouch: {
    numberOfKeys: 3,
    lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
${RENEW('KEYS[1]', 'KEYS[2]', 'KEYS[3]', 'ARGV[1]')}
return redis.call('HGET', KEYS[1], 'clock') or '0'`,
  },
  // KEYS: meta, keys, then the seed's collections. ARGV: ttl, force (1: reset), then (collection's KEYS index, key,
  // json) triples. Writes the seed unless present. (The keys it deletes first are the session's key set's members.)
  cmSeed: {
    numberOfKeys: undefined,
    lua: `if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[1], KEYS[2])
local n, b = 0, 0
for i = 3, #ARGV, 3 do
  local k = KEYS[tonumber(ARGV[i])]
  redis.call('HSET', k, ARGV[i + 1], ARGV[i + 2]); redis.call('SADD', KEYS[2], k); redis.call('PEXPIRE', k, ARGV[1]); n = n + 1; b = b + string.len(ARGV[i + 2])
end
redis.call('HSET', KEYS[1], 'clock', '0', 'records', n, 'bytes', b)
redis.call('PEXPIRE', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`,
  },
  // KEYS: collection, meta, keys. ARGV: key, json, limit, ttl, maxBytes. -1 when a new record would pass the record limit,
  // -2 when the session's records would pass maxBytes (a record's JSON is never empty: a length of 0 is a new key).
  cmPut: {
    numberOfKeys: 3,
    lua: `local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
if old == 0 and tonumber(redis.call('HGET', KEYS[2], 'records') or '0') >= tonumber(ARGV[3]) then return -1 end
local grow = string.len(ARGV[2]) - old
if grow > 0 and tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0') + grow > tonumber(ARGV[5]) then return -2 end
if old == 0 then redis.call('HINCRBY', KEYS[2], 'records', 1) end
redis.call('HINCRBY', KEYS[2], 'bytes', grow)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], KEYS[1]); ${EXPIRE_WITH('KEYS[1]', "redis.call('PTTL', KEYS[2])", 'ARGV[4]')}
return tonumber(redis.call('HGET', KEYS[2], 'bytes'))`,
  },
  // KEYS: collection, meta. ARGV: key. The session's bytes after the delete; -1 when there was no such record.
  cmDel: {
    numberOfKeys: 2,
    lua: `local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], 'records', -1); return redis.call('HINCRBY', KEYS[2], 'bytes', -old) end
return -1`,
  },
  // KEYS: meta, keys, journal, lock, wait. Removes the whole session (a lease on it is lost: its next write is refused).
  cmDrop: {
    numberOfKeys: 5,
    lua: `for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])`,
  },
  // KEYS: lock, wait, meta, keys, journal. ARGV: token, lockTtl, owner, sessionTtl.
  // The session's lock for this token and its meta hash (renewing the session's expiry), whose `owner` is the
  // instance that took the lock before (this one is noted for the next); nil when another holds it (noting that
  // this owner waits); 0 when the session must be seeded first.
  cmLease: {
    numberOfKeys: 5,
    lua: `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]); return false end
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
${RENEW('KEYS[3]', 'KEYS[4]', 'KEYS[5]', 'ARGV[4]')}
local meta = redis.call('HGETALL', KEYS[3])
redis.call('HSET', KEYS[3], 'owner', ARGV[3])
return meta`,
  },
  // KEYS: lock, wait, meta, keys, journal, then the collections written. ARGV: token, owner, sessionTtl, then the
  // lease's writes: p C k json | d C k | m field value (C: the collection's KEYS index).
  // Applied only while the token holds the lock (-1 otherwise); else {1 when another instance waits for it, else 0; the session's bytes}.
  cmApply: {
    numberOfKeys: undefined,
    lua: `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local left = redis.call('PTTL', KEYS[3])
local i = 4
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'p' then
    local k = KEYS[tonumber(ARGV[i + 1])]
    local old = redis.call('HSTRLEN', k, ARGV[i + 2])
    if redis.call('HSET', k, ARGV[i + 2], ARGV[i + 3]) == 1 then redis.call('HINCRBY', KEYS[3], 'records', 1) end
    redis.call('HINCRBY', KEYS[3], 'bytes', string.len(ARGV[i + 3]) - old)
    redis.call('SADD', KEYS[4], k); ${EXPIRE_WITH('k', 'left', 'ARGV[3]')}
    i = i + 4
  elseif op == 'd' then
    local k = KEYS[tonumber(ARGV[i + 1])]
    local old = redis.call('HSTRLEN', k, ARGV[i + 2])
    if redis.call('HDEL', k, ARGV[i + 2]) == 1 then redis.call('HINCRBY', KEYS[3], 'records', -1); redis.call('HINCRBY', KEYS[3], 'bytes', -old) end
    i = i + 3
  else
    redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  end
end
${RENEW('KEYS[3]', 'KEYS[4]', 'KEYS[5]', 'ARGV[3]', 'left')}
local w = redis.call('GET', KEYS[2])
return {(w and w ~= ARGV[2]) and 1 or 0, redis.call('HGET', KEYS[3], 'bytes') or '0'}`,
  },
  // KEYS: lock, wait. ARGV: token, lockTtl, owner. Extends a held lock: -1 when it is no longer this token's; 1 when another instance waits.
  cmRenew: {
    numberOfKeys: 2,
    lua: `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local w = redis.call('GET', KEYS[2])
if w and w ~= ARGV[3] then return 1 end
return 0`,
  },
  // KEYS: the store's bytes hash, sessions used again, used once (redis-store-bytes.ts).
  cmStoreBytes: { numberOfKeys: 3, lua: SUM_STORE_BYTES },
  // KEYS: lock. ARGV: token. Lets go of the lock if this token still holds it.
  cmRelease: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
  // KEYS: the session index, sessions used again and sessions used once (sorted sets: session -> last use), and the
  // eviction count (hash). ARGV: id, now, max, idleMs, ttlMs, ISO time. As the memory store: never refuses; at the cap
  // it evicts the least recently used session if idle for idleMs, else the oldest used once, else the least recently
  // used. 1: admitted; else the id of the session evicted to make room (its keys to be dropped).
  cmAdmit: {
    numberOfKeys: 3,
    lua: `local now = tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], now, ARGV[1]); return 1 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZREM', KEYS[2], ARGV[1]); redis.call('ZADD', KEYS[1], now, ARGV[1]); return 1 end
local stale = now - tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', stale); redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', stale)
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[3]) then redis.call('ZADD', KEYS[2], now, ARGV[1]); return 1 end
local used = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local once = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local lru, lruKey = once, KEYS[2]
if #used > 0 and (#once == 0 or tonumber(once[2]) > tonumber(used[2])) then lru, lruKey = used, KEYS[1] end
local victim, from = lru[1], lruKey
if now - tonumber(lru[2]) < tonumber(ARGV[4]) and #once > 0 then victim, from = once[1], KEYS[2] end
redis.call('ZREM', from, victim)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('HINCRBY', KEYS[3], 'count', 1)
redis.call('HSET', KEYS[3], 'session', victim, 'at', ARGV[6])
return victim`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Scripted = Redis & { [K in ScriptName]: (...args: Array<string | number>) => Promise<unknown> };

/** Defines the scripts once on a client (EVALSHA, loaded on first use). */
export function scripted(client: Redis): Scripted {
  for (const [name, s] of Object.entries(SCRIPTS)) {
    // Without numberOfKeys, the caller gives the count first (the collections a script writes vary).
    if (!(name in client)) client.defineCommand(name, s.numberOfKeys === undefined ? { lua: s.lua } : { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  return client as Scripted;
}

/**
 * cmApply's arguments: the fixed keys, then every collection the writes touch declared as a key (so a Redis Cluster,
 * or a proxy, sees each key the script writes), the writes naming their collection by its KEYS index.
 */
function applyCommand(k: SessionKeys, token: string, ttlMs: number, ops: Array<string | number>): Array<string | number> {
  const keys: string[] = [k.lock, k.wait, k.meta, k.keys, k.journal];
  const index = new Map<string | number, number>();
  for (let i = 0; i < ops.length; ) {
    const op = ops[i];
    if (op === 'm') {
      i += 3;
      continue;
    }
    const c = ops[i + 1]!;
    let at = index.get(c);
    if (at === undefined) index.set(c, (at = keys.push(collectionKey(k, String(c)))));
    ops[i + 1] = at;
    i += op === 'p' ? 4 : 3;
  }
  return [keys.length, ...keys, token, token.split(':')[0]!, ttlMs, ...ops];
}

/** How long a clock read by this instance may skip renewing the session's expiry (it renews every call otherwise). */
const CLOCK_ONLY_MS = 1000;

export class RedisSession implements SessionStore {
  readonly keys: SessionKeys;
  /** When this instance last renewed the session's expiry (and so knows it exists). */
  touchedAt = 0;
  /** When the session index last admitted it (and noted its use), and how often this instance had it admitted. */
  admittedAt = 0;
  admissions = 0;
  /** The session's bytes as this instance last reported them to the store's tally (redis-store-bytes.ts). */
  reportedBytes = 0;
  /** Set while this instance holds the session's lock (redis-session-lock.ts): reads and writes go through it. */
  leased: SessionLease | undefined;
  /** The lease's writes waiting for the next turn of the event loop, and what sends them. */
  private batch: { lease: SessionLease; done: Promise<void>; start: () => void } | undefined;

  constructor(
    readonly id: string,
    private readonly store: RedisStore,
  ) {
    this.keys = sessionKeys(store.prefix, id);
  }

  private get redis(): Scripted {
    return this.store.redis;
  }
  private run<T>(command: Promise<T>): Promise<T> {
    return this.store.connection.run(command);
  }
  private get limit(): number {
    return this.store.options.maxRecordsPerSession ?? DEFAULT_MAX_RECORDS;
  }
  private get maxBytes(): number {
    return this.store.options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
  }

  /** Renews the session's expiry and reads its clock; seeds it first when it is new (or expired). */
  async touch(): Promise<number> {
    const k = this.keys;
    const ttl = this.store.ttlMs;
    let offset = (await this.run(this.redis.cmTouch(k.meta, k.keys, k.journal, ttl))) as string | null;
    if (offset === null) {
      await this.seed();
      offset = '0';
    }
    this.touchedAt = Date.now();
    return Number(offset);
  }

  private seed(): Promise<unknown> {
    const k = this.keys;
    return this.run(this.redis.cmSeed(...this.store.seedCommand(k, 0)));
  }

  /** Before an operation: a session this instance has not renewed for a while may have expired and must be seeded again. */
  private async ready(): Promise<void> {
    if (Date.now() - this.touchedAt > this.store.ttlMs / 2) await this.touch();
  }

  /**
   * Takes the session's lock in Redis for `token` and begins a lease on it; undefined while another
   * instance holds the lock (Redis notes that this owner waits, so the holder lets go soon).
   */
  async takeLease(token: string, owner: string, lockTtlMs: number): Promise<SessionLease | undefined> {
    const k = this.keys;
    for (let attempt = 0; ; attempt++) {
      const meta = (await this.run(this.redis.cmLease(k.lock, k.wait, k.meta, k.keys, k.journal, token, lockTtlMs, owner, this.store.ttlMs))) as string[] | null | 0;
      if (meta === null) return undefined;
      if (meta !== 0) {
        const fields: Record<string, string> = {};
        for (let i = 0; i < meta.length; i += 2) fields[meta[i]!] = meta[i + 1]!;
        const { owner: previousOwner, ...numbers } = fields;
        this.touchedAt = Date.now();
        return (this.leased = new SessionLease(token, numbers, previousOwner));
      }
      if (attempt > 0) throw new StoreUnavailableError(`session "${this.id}" could not be seeded in Redis`);
      await this.seed();
    }
  }

  /**
   * The lease's writes on their way to Redis: one fenced script, sent on the next turn of the event
   * loop for every locked section that ends before it (so a record written by many calls goes once);
   * undefined when there are none. Rejects (and loses the lease) when Redis refuses or fails.
   */
  flushLease(lease: SessionLease | undefined = this.leased): Promise<void> | undefined {
    if (!lease) return undefined;
    const waiting = this.batch;
    if (waiting?.lease === lease) return waiting.done;
    if (!lease.dirty) return undefined;
    let start!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      let started = false;
      start = () => {
        if (started) return;
        started = true;
        if (this.batch === batch) this.batch = undefined;
        this.send(lease).then(resolve, reject);
      };
    });
    const batch = { lease, done, start };
    this.batch = batch;
    setImmediate(start);
    return done;
  }

  /** Sends a waiting batch now: before a command that must reach Redis after it. */
  private sendPending(): void {
    this.batch?.start();
  }

  private send(lease: SessionLease): Promise<void> {
    if (!lease.dirty) return Promise.resolve();
    const k = this.keys;
    const ops = lease.take();
    const sentBytes = lease.sentBytes;
    return this.run(this.redis.cmApply(...applyCommand(k, lease.token, this.store.ttlMs, ops))).then(
      (verdict) => {
        if (verdict === -1) throw this.lose(lease, new StoreUnavailableError(`session "${this.id}": this instance's hold on the session lock ended before its writes reached Redis, which applied none of them`, 'not-applied'));
        const [waiting, bytes] = verdict as [number, string];
        if (waiting === 1) lease.othersWaiting = true;
        lease.applied(sentBytes, Number(bytes));
        this.store.tally.report(this, Number(bytes));
      },
      (e: unknown) => {
        throw this.lose(lease, e);
      },
    );
  }

  private lose(lease: SessionLease, e: unknown): unknown {
    lease.lost = true;
    if (this.leased === lease) this.leased = undefined;
    return e;
  }

  /** Extends the lease's lock (redis-session-lock.ts calls this while a lease lasts). */
  async renewLease(lease: SessionLease, lockTtlMs: number): Promise<void> {
    const k = this.keys;
    const verdict = await this.run(this.redis.cmRenew(k.lock, k.wait, lease.token, lockTtlMs, lease.token.split(':')[0]!));
    if (verdict === -1) this.lose(lease, undefined);
    else if (verdict === 1) lease.othersWaiting = true;
  }

  /** Ends the lease and lets go of the lock (after its writes: one connection keeps the order). */
  endLease(lease: SessionLease): Promise<unknown> {
    // Its last writes first (their callers await them; a failure reaches them there).
    if (lease.dirty && this.batch?.lease !== lease) this.flushLease(lease)?.catch(() => undefined);
    if (this.batch?.lease === lease) this.sendPending();
    if (this.leased === lease) this.leased = undefined;
    lease.lost = true;
    return this.run(this.redis.cmRelease(this.keys.lock, lease.token));
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    const lease = this.leased;
    if (lease) {
      const known = lease.known(collection, key);
      if (known !== undefined) return known === ABSENT ? undefined : (known as T);
    } else await this.ready();
    const text = await this.run(this.redis.hget(collectionKey(this.keys, collection), key));
    const value = text === null ? undefined : (exactJson.parse(text) as T);
    if (lease && this.leased === lease) lease.learn(collection, key, value === undefined ? ABSENT : value);
    return value;
  }

  async put<T>(collection: string, key: string, value: T): Promise<void> {
    const lease = this.leased;
    const k = this.keys;
    if (lease) {
      const known = lease.known(collection, key);
      if (known === undefined || known === ABSENT) {
        const records = lease.meta.get('records') ?? 0;
        // Within the bound no round trip is needed; at it, the exact count and the key's presence decide.
        if (records + lease.possiblyNew + 1 > this.limit) await this.countExactly(lease, collection, key);
        else if (known === ABSENT) lease.meta.set('records', records + 1);
        else lease.possiblyNew++;
      }
      // The same for bytes: the record counted whole (as if new) within the bound; at it, Redis's count and the record's stored length decide.
      const size = recordBytes(value);
      if (lease.bytesBound + size > this.maxBytes) await this.measureExactly(lease, collection, key, size);
      else lease.pendingBytes += size;
      const admitted = this.store.tally.admit(size, () => (known === undefined || known === ABSENT ? 0 : recordBytes(known)));
      if (admitted) await admitted;
      lease.put(collection, key, value);
      return;
    }
    await this.ready();
    const json = exactJson.stringify(value);
    const admitted = this.store.tally.admit(Buffer.byteLength(json, 'utf8'));
    if (admitted) await admitted;
    const done = (await this.run(this.redis.cmPut(collectionKey(k, collection), k.meta, k.keys, key, json, this.limit, this.store.ttlMs, this.maxBytes))) as number;
    if (done === -1) throw new StateLimitError(this.limit);
    if (done === -2) throw new StateLimitError(this.maxBytes, 'max-state-bytes');
    this.store.tally.report(this, done);
  }

  /** A put near the byte budget under a lease: the lease's writes sent, then the session's bytes and the record's stored length. */
  private async measureExactly(lease: SessionLease, collection: string, key: string, size: number): Promise<void> {
    const flushed = this.flushLease(lease);
    this.sendPending();
    await flushed;
    const results = await this.run(this.redis.multi().hget(this.keys.meta, 'bytes').hstrlen(collectionKey(this.keys, collection), key).exec());
    const [[e1, bytes], [e2, old]] = results as [[Error | null, string | null], [Error | null, number]];
    if (e1 || e2) throw this.store.connection.unavailable(e1 ?? e2);
    const stored = Number(bytes ?? 0);
    lease.applied(0, stored);
    if (size > old && stored - old + size > this.maxBytes) throw new StateLimitError(this.maxBytes, 'max-state-bytes');
    lease.pendingBytes = size - old;
  }

  /** A put near the record limit under a lease: the lease's writes sent, then the exact count and whether the key is new. */
  private async countExactly(lease: SessionLease, collection: string, key: string): Promise<void> {
    const flushed = this.flushLease(lease);
    this.sendPending();
    await flushed;
    const results = await this.run(this.redis.multi().hget(this.keys.meta, 'records').hexists(collectionKey(this.keys, collection), key).exec());
    const [[e1, records], [e2, exists]] = results as [[Error | null, string | null], [Error | null, number]];
    if (e1 || e2) throw this.store.connection.unavailable(e1 ?? e2);
    const count = Number(records ?? 0);
    lease.meta.set('records', count);
    lease.possiblyNew = 0;
    if (exists === 1) return;
    if (count >= this.limit) throw new StateLimitError(this.limit);
    lease.meta.set('records', count + 1);
  }

  async delete(collection: string, key: string): Promise<boolean> {
    const lease = this.leased;
    if (lease) {
      let known = lease.known(collection, key);
      if (known === undefined) {
        const exists = await this.run(this.redis.hexists(collectionKey(this.keys, collection), key));
        if (this.leased !== lease) return this.delete(collection, key);
        known = exists === 1 ? true : ABSENT;
      }
      if (known === ABSENT) return false;
      lease.meta.set('records', (lease.meta.get('records') ?? 1) - 1);
      lease.delete(collection, key);
      return true;
    }
    await this.ready();
    const bytes = (await this.run(this.redis.cmDel(collectionKey(this.keys, collection), this.keys.meta, key))) as number;
    if (bytes === -1) return false;
    this.store.tally.report(this, bytes);
    return true;
  }

  /** Under a lease that read the collection whole, answered at once (the scenario stage asks on every call). */
  list<T>(collection: string): T[] | Promise<T[]> {
    const lease = this.leased;
    if (lease?.collections.get(collection)?.complete) return this.listed<T>(lease, collection);
    return this.listFromRedis<T>(collection, lease);
  }

  private listed<T>(lease: SessionLease, collection: string): T[] {
    const out: T[] = [];
    for (const v of lease.collection(collection).entries.values()) if (v !== ABSENT) out.push(v as T);
    return out;
  }

  private async listFromRedis<T>(collection: string, lease: SessionLease | undefined): Promise<T[]> {
    if (!lease) await this.ready();
    const hash = await this.run(this.redis.hgetall(collectionKey(this.keys, collection)));
    if (!lease || this.leased !== lease) return Object.values(hash).map((v) => exactJson.parse(v) as T);
    lease.learnAll(collection, new Map(Object.entries(hash).map(([k, v]) => [k, exactJson.parse(v)])));
    return this.listed<T>(lease, collection);
  }

  nextSeq(name: string, start = 1): number | Promise<number> {
    const lease = this.leased;
    const field = `n:${name}`;
    if (lease) {
      const value = (lease.meta.get(field) ?? start - 1) + 1;
      lease.setMeta(field, value);
      return value;
    }
    return this.nextSeqInRedis(field, start);
  }

  private async nextSeqInRedis(field: string, start: number): Promise<number> {
    await this.ready();
    const k = this.keys;
    // The first value is `start`: seed the counter at start - 1 if it is new, then count.
    const [, [, value]] = (await this.run(this.redis.multi().hsetnx(k.meta, field, start - 1).hincrby(k.meta, field, 1).exec())) as [unknown, [unknown, number]];
    return value;
  }

  /** The session's next handler number, under its lock. */
  nextOrder(): number | Promise<number> {
    const lease = this.leased;
    if (lease) {
      const order = (lease.meta.get('order') ?? 0) + 1;
      lease.setMeta('order', order);
      return order;
    }
    return this.run(this.redis.hincrby(this.keys.meta, 'order', 1));
  }

  /**
   * The pipeline's first operation on every call: the shared clock (from the lease while this instance
   * holds one), renewing the session's expiry at most every CLOCK_ONLY_MS.
   */
  now(): number | Promise<number> {
    const lease = this.leased;
    if (lease) return this.store.options.clock.now() + (lease.meta.get('clock') ?? 0);
    return this.nowFromRedis();
  }

  private async nowFromRedis(): Promise<number> {
    if (Date.now() - this.touchedAt < CLOCK_ONLY_MS) {
      const offset = await this.run(this.redis.hget(this.keys.meta, 'clock'));
      if (offset !== null) return this.store.options.clock.now() + Number(offset);
    }
    return this.store.options.clock.now() + (await this.touch());
  }
  async advanceClock(seconds: number): Promise<number> {
    const lease = this.leased;
    if (lease) {
      const offset = (lease.meta.get('clock') ?? 0) + seconds * 1000;
      lease.setMeta('clock', offset);
      return this.store.options.clock.now() + offset;
    }
    await this.ready();
    const offset = Number(await this.run(this.redis.hincrbyfloat(this.keys.meta, 'clock', seconds * 1000)));
    return this.store.options.clock.now() + offset;
  }
  async dump(): Promise<SessionDump> {
    // What this instance's lease wrote and has not sent yet is part of the session.
    const flushed = this.flushLease();
    this.sendPending();
    await flushed;
    const offset = await this.touch();
    const k = this.keys;
    const [names, meta] = await Promise.all([this.run(this.redis.smembers(k.keys)), this.run(this.redis.hgetall(k.meta))]);
    const collections: SessionDump['collections'] = {};
    const prefix = `${k.tag}:c:`;
    const hashes = await Promise.all(names.map((n) => this.run(this.redis.hgetall(n))));
    names.forEach((n, i) => {
      const records = hashes[i]!;
      if (!Object.keys(records).length) return;
      collections[n.slice(prefix.length)] = Object.fromEntries(Object.entries(records).map(([key, v]) => [key, exactJson.parse(v)]));
    });
    const counters: Record<string, number> = {};
    for (const [f, v] of Object.entries(meta)) if (f.startsWith('n:')) counters[f.slice(2)] = Number(v);
    return { collections, counters, clockOffsetMs: offset };
  }
  async reset(): Promise<void> {
    const k = this.keys;
    // The seed replaces everything: writes the lease has not sent yet are superseded.
    const lease = this.leased;
    lease?.take();
    await this.run(this.redis.cmSeed(...this.store.seedCommand(k, 1)));
    if (lease && this.leased === lease) lease.forget(this.store.seedArgs().length / 3, this.store.seedBytes());
    this.store.tally.report(this, this.store.seedBytes());
    this.touchedAt = Date.now();
  }
}

export class RedisStore implements Store {
  readonly redis: Scripted;
  readonly prefix: string;
  readonly ttlMs: number;
  /** Sessions used more than once, used once (the first to go at the cap), and the evictions so far: shared by every instance. */
  private readonly index: string;
  private readonly once: string;
  private readonly evictions: string;
  /** Session handles by id, most recently used last (so the in-process lock finds the same object). */
  private readonly handles = new Map<string, RedisSession>();
  private seedCache: Array<string> | undefined;
  private seedSize = 0;
  /** Every session's bytes together, across instances (--max-store-bytes). */
  readonly tally: RedisStoreBytes;
  private evictedHere = 0;

  constructor(readonly options: RedisStoreOptions) {
    this.redis = scripted(options.connection.client);
    this.prefix = options.connection.options.prefix;
    this.ttlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.index = `{${this.prefix}}:sessions`;
    this.once = `{${this.prefix}}:sessions-once`;
    this.evictions = `{${this.prefix}}:evictions`;
    const bytes = `{${this.prefix}}:bytes`;
    this.tally = new RedisStoreBytes(this.redis, options.connection, { bytes, index: this.index, once: this.once }, options.maxStoreBytes ?? DEFAULT_MAX_STORE_BYTES);
  }

  get connection(): RedisConnection {
    return this.options.connection;
  }

  /** cmSeed's arguments for a session: its meta and key set, the seed's collections declared as keys, then the triples. */
  seedCommand(k: SessionKeys, force: 0 | 1): Array<string | number> {
    if (!this.seedIndexed) {
      const args = this.seedArgs();
      const collections: string[] = [];
      const triples: Array<string | number> = [];
      for (let i = 0; i < args.length; i += 3) {
        let at = collections.indexOf(args[i]!);
        if (at < 0) at = collections.push(args[i]!) - 1;
        // KEYS: meta, keys, then the collections (Lua counts from 1).
        triples.push(at + 3, args[i + 1]!, args[i + 2]!);
      }
      this.seedIndexed = { collections, triples };
    }
    const { collections, triples } = this.seedIndexed;
    return [2 + collections.length, k.meta, k.keys, ...collections.map((c) => collectionKey(k, c)), this.ttlMs, force, ...triples];
  }
  private seedIndexed: { collections: string[]; triples: Array<string | number> } | undefined;

  /** The seed as (collection, key, json) triples, made once: every new session is written from it. */
  seedArgs(): string[] {
    if (!this.seedCache) {
      const out: string[] = [];
      for (const [c, records] of Object.entries(this.options.seed().collections)) for (const [k, v] of Object.entries(records)) out.push(c, k, exactJson.stringify(v));
      this.seedCache = out;
      this.seedSize = 0;
      for (let i = 2; i < out.length; i += 3) this.seedSize += Buffer.byteLength(out[i]!, 'utf8');
    }
    return this.seedCache;
  }

  /** Bytes of the seed's records as JSON: a new or reset session's `bytes` (as cmSeed counts them). */
  seedBytes(): number {
    this.seedArgs();
    return this.seedSize;
  }

  private handle(id: string): RedisSession {
    let s = this.handles.get(id);
    if (!s) {
      this.handles.set(id, (s = new RedisSession(id, this)));
      // Handles are cheap to remake; keep as many as sessions may exist.
      if (this.handles.size > (this.options.maxSessions ?? DEFAULT_MAX_SESSIONS)) this.handles.delete(this.handles.keys().next().value!);
    }
    return s;
  }

  /**
   * A session this instance admitted recently (and saw used again) is opened without a round trip;
   * otherwise the session index in Redis admits it, evicting one at --max-sessions across all instances.
   */
  open(id: string): OpenResult | Promise<OpenResult> {
    const s = this.handle(id);
    if (s.admissions > 1 && Date.now() - s.admittedAt < ADMIT_EVERY_MS) return { ok: true, session: s };
    return this.admit(s);
  }

  private async admit(s: RedisSession): Promise<OpenResult> {
    const max = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    const idleMs = this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    let verdict: unknown;
    try {
      verdict = await this.options.connection.run(this.redis.cmAdmit(this.index, this.once, this.evictions, s.id, Date.now(), max, idleMs, this.ttlMs, new Date().toISOString()));
    } catch (e) {
      // On a cluster the session table is in the prefix's slot, on one master: while that master fails over, sessions
      // whose own slots answer are served (and admitted at their next call), not refused with it. A single Redis down is down.
      if (this.options.connection.options.cluster && e instanceof StoreUnavailableError) return { ok: true, session: s };
      throw e;
    }
    if (typeof verdict === 'string') {
      await this.dropKeys(verdict);
      if (++this.evictedHere === 1 || this.evictedHere % 1000 === 0) {
        this.options.log?.(`contract-mock: the mock holds its maximum of ${max} sessions; evicted session "${verdict}" (${this.evictedHere} evicted by this instance so far; all instances' count in GET /__mock/health). Raise --max-sessions if real sessions are being evicted.`);
      }
    }
    s.admissions++;
    s.admittedAt = Date.now();
    return { ok: true, session: s };
  }

  /** Sessions held and evicted across every instance on this Redis and prefix (GET /__mock/health). */
  async stats(): Promise<SessionStats> {
    const c = this.options.connection;
    const [used, once, evictions] = await Promise.all([c.run(this.redis.zcard(this.index)), c.run(this.redis.zcard(this.once)), c.run(this.redis.hgetall(this.evictions))]);
    return {
      held: used + once,
      max: this.options.maxSessions ?? DEFAULT_MAX_SESSIONS,
      evicted: Number(evictions['count'] ?? 0),
      ...(evictions['session'] && { lastEviction: { session: evictions['session'], at: evictions['at']! } }),
    };
  }

  session(id: string): SessionStore {
    return this.handle(id);
  }

  private async dropKeys(id: string): Promise<void> {
    const k = sessionKeys(this.prefix, id);
    await this.options.connection.run(this.redis.cmDrop(k.meta, k.keys, k.journal, k.lock, k.wait));
    await this.tally.forget(id);
    const s = this.handles.get(id);
    if (s) {
      s.touchedAt = s.admittedAt = s.admissions = s.reportedBytes = 0;
      // What this instance's lease knew is gone with the keys (the lock too: another instance's lease is refused at its next write).
      if (s.leased) s.leased.lost = true;
      s.leased = undefined;
    }
  }

  async sessionIds(): Promise<string[]> {
    const c = this.options.connection;
    const since = Date.now() - this.ttlMs;
    const [used, once] = await Promise.all([c.run(this.redis.zrangebyscore(this.index, since, '+inf')), c.run(this.redis.zrangebyscore(this.once, since, '+inf'))]);
    return [...once, ...used];
  }

  async clear(): Promise<void> {
    const c = this.options.connection;
    for (const id of [...(await c.run(this.redis.zrange(this.once, 0, -1))), ...(await c.run(this.redis.zrange(this.index, 0, -1)))]) await this.dropKeys(id);
    await c.run(this.redis.del(this.index, this.once, `{${this.prefix}}:bytes`));
  }

  async health(): Promise<StoreHealth> {
    return this.options.connection.check();
  }

  close(): Promise<void> {
    return this.options.connection.close();
  }
}
