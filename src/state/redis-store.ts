/**
 * The shared Store (serve --redis): every session's records, counters and clock in Redis, so all
 * instances on one Redis and prefix are one mock. A session's keys share the hash tag
 * `{prefix:session}` (one Cluster slot; every multi-key script stays inside it); each session
 * expires when idle; `--max-sessions` and `--max-records` are counted in Redis, so they hold across
 * instances. Record values are JSON. Knows nothing of HTTP or of any API's records.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Redis } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';
import { DEFAULT_MAX_RECORDS, DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_IDLE_MS } from './memory-store.js';
import { StateLimitError, type Clock, type OpenResult, type SessionDump, type SessionStore, type Store, type StoreHealth } from './store.js';

export interface RedisStoreOptions {
  connection: RedisConnection;
  clock: Clock;
  seed: () => SessionDump;
  maxSessions?: number;
  /** At the cap, the least recently used session is dropped only if idle this long. */
  sessionIdleMs?: number;
  maxRecordsPerSession?: number;
  /** A session nobody used for this long is removed from Redis (default 24 h). */
  sessionTtlMs?: number;
}

export const DEFAULT_SESSION_TTL_MS = 24 * 3600_000;
/** How often an instance notes a session's use in the shared index (its idle time is known to this precision). */
const ADMIT_EVERY_MS = 5000;

/** The keys of one session, all with the session's hash tag. */
export interface SessionKeys {
  tag: string;
  /** hash: `clock` (offset ms), `records` (count), `n:NAME` (counters) */
  meta: string;
  /** set: the session's collection keys (what expiry and reset walk) */
  keys: string;
  journal: string;
  lock: string;
}

/** `{prefix:session}` plus a suffix per key. Session ids are printable ASCII without `{}` mattering: the tag is the first `{...}`. */
export function sessionKeys(prefix: string, session: string): SessionKeys {
  const tag = `{${prefix}:${session.replaceAll('}', '%7D')}}`;
  return { tag, meta: `${tag}:m`, keys: `${tag}:k`, journal: `${tag}:j`, lock: `${tag}:l` };
}

const collectionKey = (k: SessionKeys, collection: string): string => `${k.tag}:c:${collection}`;

/** Lua, run atomically in Redis; each touches only the keys of one session (or the one session index). Named `cm...`: a client command of Redis's own name (TOUCH, DEL) would shadow them. */
const SCRIPTS = {
  // KEYS: meta, keys, journal. ARGV: ttl. The session's clock offset, its keys' expiry renewed; nil when absent.
  cmTouch: {
    numberOfKeys: 3,
    lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('PEXPIRE', k, ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[2], ARGV[1]); redis.call('PEXPIRE', KEYS[3], ARGV[1])
return redis.call('HGET', KEYS[1], 'clock') or '0'`,
  },
  // KEYS: meta, keys. ARGV: ttl, tag, force (1: reset), then (collection, key, json) triples. Writes the seed unless present.
  cmSeed: {
    numberOfKeys: 2,
    lua: `if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[1], KEYS[2])
local n = 0
for i = 4, #ARGV, 3 do
  local k = ARGV[2] .. ':c:' .. ARGV[i]
  redis.call('HSET', k, ARGV[i + 1], ARGV[i + 2]); redis.call('SADD', KEYS[2], k); redis.call('PEXPIRE', k, ARGV[1]); n = n + 1
end
redis.call('HSET', KEYS[1], 'clock', '0', 'records', n)
redis.call('PEXPIRE', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`,
  },
  // KEYS: collection, meta, keys. ARGV: key, json, limit, ttl. -1 when a new record would pass the limit.
  cmPut: {
    numberOfKeys: 3,
    lua: `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  if tonumber(redis.call('HGET', KEYS[2], 'records') or '0') >= tonumber(ARGV[3]) then return -1 end
  redis.call('HINCRBY', KEYS[2], 'records', 1)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], KEYS[1]); redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`,
  },
  // KEYS: collection, meta. ARGV: key.
  cmDel: {
    numberOfKeys: 2,
    lua: `if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], 'records', -1); return 1 end
return 0`,
  },
  // KEYS: meta, keys, journal, lock. Removes the whole session.
  cmDrop: {
    numberOfKeys: 4,
    lua: `for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])`,
  },
  // KEYS: the session index (sorted set: session -> last use). ARGV: id, now, max, idleMs, ttlMs.
  // 1: admitted; 0: full of sessions used within idleMs; else the id of an idle session to drop first.
  cmAdmit: {
    numberOfKeys: 1,
    lua: `local now = tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], now, ARGV[1]); return 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[5]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then redis.call('ZADD', KEYS[1], now, ARGV[1]); return 1 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if now - tonumber(oldest[2]) < tonumber(ARGV[4]) then return 0 end
redis.call('ZREM', KEYS[1], oldest[1]); redis.call('ZADD', KEYS[1], now, ARGV[1])
return oldest[1]`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Scripted = Redis & { [K in ScriptName]: (...args: Array<string | number>) => Promise<unknown> };

/** Defines the scripts once on a client (EVALSHA, loaded on first use). */
export function scripted(client: Redis): Scripted {
  for (const [name, s] of Object.entries(SCRIPTS)) {
    if (!(name in client)) client.defineCommand(name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  return client as Scripted;
}

class RedisSession implements SessionStore {
  readonly keys: SessionKeys;
  /** When this instance last renewed the session's expiry (and so knows it exists). */
  touchedAt = 0;
  /** When the session index last admitted it (and noted its use). */
  admittedAt = 0;

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

  /** Renews the session's expiry and reads its clock; seeds it first when it is new (or expired). */
  async touch(): Promise<number> {
    const k = this.keys;
    const ttl = this.store.ttlMs;
    let offset = (await this.run(this.redis.cmTouch(k.meta, k.keys, k.journal, ttl))) as string | null;
    if (offset === null) {
      await this.run(this.redis.cmSeed(k.meta, k.keys, ttl, k.tag, 0, ...this.store.seedArgs()));
      offset = '0';
    }
    this.touchedAt = Date.now();
    return Number(offset);
  }

  /** Before an operation: a session this instance has not renewed for a while may have expired and must be seeded again. */
  private async ready(): Promise<void> {
    if (Date.now() - this.touchedAt > this.store.ttlMs / 2) await this.touch();
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    await this.ready();
    const text = await this.run(this.redis.hget(collectionKey(this.keys, collection), key));
    return text === null ? undefined : (exactJson.parse(text) as T);
  }
  async put<T>(collection: string, key: string, value: T): Promise<void> {
    await this.ready();
    const k = this.keys;
    const limit = this.store.options.maxRecordsPerSession ?? DEFAULT_MAX_RECORDS;
    const done = await this.run(this.redis.cmPut(collectionKey(k, collection), k.meta, k.keys, key, exactJson.stringify(value), limit, this.store.ttlMs));
    if (done === -1) throw new StateLimitError(limit);
  }
  async delete(collection: string, key: string): Promise<boolean> {
    await this.ready();
    return (await this.run(this.redis.cmDel(collectionKey(this.keys, collection), this.keys.meta, key))) === 1;
  }
  async list<T>(collection: string): Promise<T[]> {
    await this.ready();
    const values = await this.run(this.redis.hvals(collectionKey(this.keys, collection)));
    return values.map((v) => exactJson.parse(v) as T);
  }
  async nextSeq(name: string, start = 1): Promise<number> {
    await this.ready();
    const k = this.keys;
    // The first value is `start`: seed the counter at start - 1 if it is new, then count.
    const [, [, value]] = (await this.run(this.redis.multi().hsetnx(k.meta, `n:${name}`, start - 1).hincrby(k.meta, `n:${name}`, 1).exec())) as [unknown, [unknown, number]];
    return value;
  }
  /** The pipeline's first operation on every call: renews expiry and reads the shared clock in one round trip. */
  async now(): Promise<number> {
    return this.store.options.clock.now() + (await this.touch());
  }
  async advanceClock(seconds: number): Promise<number> {
    await this.ready();
    const offset = Number(await this.run(this.redis.hincrbyfloat(this.keys.meta, 'clock', seconds * 1000)));
    return this.store.options.clock.now() + offset;
  }
  async dump(): Promise<SessionDump> {
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
    await this.run(this.redis.cmSeed(k.meta, k.keys, this.store.ttlMs, k.tag, 1, ...this.store.seedArgs()));
    this.touchedAt = Date.now();
  }
}

export class RedisStore implements Store {
  readonly redis: Scripted;
  readonly prefix: string;
  readonly ttlMs: number;
  private readonly index: string;
  /** Session handles by id, most recently used last (so the in-process lock finds the same object). */
  private readonly handles = new Map<string, RedisSession>();
  private seedCache: Array<string> | undefined;

  constructor(readonly options: RedisStoreOptions) {
    this.redis = scripted(options.connection.client);
    this.prefix = options.connection.options.prefix;
    this.ttlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.index = `{${this.prefix}}:sessions`;
  }

  get connection(): RedisConnection {
    return this.options.connection;
  }

  /** The seed as (collection, key, json) triples, made once: every new session is written from it. */
  seedArgs(): string[] {
    if (!this.seedCache) {
      const out: string[] = [];
      for (const [c, records] of Object.entries(this.options.seed().collections)) for (const [k, v] of Object.entries(records)) out.push(c, k, exactJson.stringify(v));
      this.seedCache = out;
    }
    return this.seedCache;
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
   * A session this instance renewed recently is opened without a round trip; otherwise the session
   * index in Redis admits it (or refuses it, at --max-sessions across all instances).
   */
  open(id: string): OpenResult | Promise<OpenResult> {
    const s = this.handle(id);
    if (Date.now() - s.admittedAt < ADMIT_EVERY_MS) return { ok: true, session: s };
    return this.admit(s);
  }

  private async admit(s: RedisSession): Promise<OpenResult> {
    const max = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    const idleMs = this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    const verdict = await this.options.connection.run(this.redis.cmAdmit(this.index, s.id, Date.now(), max, idleMs, this.ttlMs));
    if (verdict === 0) {
      return { ok: false, reason: `the mock holds its maximum of ${max} sessions, none idle for ${Math.round(idleMs / 1000)} s; reset finished sessions (POST /__mock/reset) or start serve with a larger --max-sessions` };
    }
    if (typeof verdict === 'string') await this.dropKeys(verdict);
    s.admittedAt = Date.now();
    return { ok: true, session: s };
  }

  session(id: string): SessionStore {
    return this.handle(id);
  }

  private async dropKeys(id: string): Promise<void> {
    const k = sessionKeys(this.prefix, id);
    await this.options.connection.run(this.redis.cmDrop(k.meta, k.keys, k.journal, k.lock));
    const s = this.handles.get(id);
    if (s) s.touchedAt = s.admittedAt = 0;
  }

  async sessionIds(): Promise<string[]> {
    return this.options.connection.run(this.redis.zrangebyscore(this.index, Date.now() - this.ttlMs, '+inf'));
  }

  async clear(): Promise<void> {
    for (const id of await this.options.connection.run(this.redis.zrange(this.index, 0, -1))) await this.dropKeys(id);
    await this.options.connection.run(this.redis.del(this.index));
  }

  async health(): Promise<StoreHealth> {
    return this.options.connection.check();
  }

  close(): Promise<void> {
    return this.options.connection.close();
  }
}
