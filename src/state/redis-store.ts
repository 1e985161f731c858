/**
 * The shared Store (serve --redis): every session's records, counters and clock in Redis, so all
 * instances on one Redis and prefix are one mock. A session's keys share the hash tag
 * `{prefix:session}` (one Cluster slot; every multi-key script stays inside it); each session
 * expires when idle; `--max-sessions` and `--max-records` are counted in Redis, so they hold across
 * instances (at the session cap the least recently used session is evicted, as in memory). Record values are JSON;
 * each session's meta holds the bytes of its records' JSON (`bytes`), kept by the same scripts that write them, so
 * --max-state-bytes holds across instances too. One session's reads and writes are redis-session.ts's; the scripts are
 * src/state/lua/*.lua. Knows nothing of HTTP or of any API's records.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Redis } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';
import { DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_IDLE_MS } from './memory-store.js';
import { DEFAULT_MAX_STORE_BYTES, type StateBudget } from './state-budget.js';
import { RedisStoreBytes } from './redis-store-bytes.js';
import { defineScripts, type LuaScript, type Scripted } from './lua-scripts.js';
import { RedisSession } from './redis-session.js';
export { RedisSession };
import { collectionKey, sessionKeys, type SessionKeys } from './redis-keys.js';
export { sessionKeys, type SessionKeys };
import {
  StoreUnavailableError,
  type Clock,
  type OpenResult,
  type SessionDump,
  type SessionStats,
  type SessionStore,
  type Store,
  type StoreHealth,
} from './store.js';

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
 * The store's Lua (src/state/lua/), run atomically in Redis; each touches only the keys of one session (or the one
 * session index). Those marked `expiry` follow the session's expiry (session-expiry.lua: every key of a session
 * expires at the same moment). Named `cm...`: a client command of Redis's own name (TOUCH, DEL) would shadow them.
 */
const SCRIPTS = {
  cmTouch: { file: 'touch.lua', numberOfKeys: 3, expiry: true },
  // Without numberOfKeys, the caller gives the count first (the collections a script writes vary).
  cmSeed: { file: 'seed.lua' },
  cmPut: { file: 'put.lua', numberOfKeys: 3, expiry: true },
  cmDel: { file: 'del.lua', numberOfKeys: 2 },
  cmDrop: { file: 'drop.lua', numberOfKeys: 5 },
  cmLease: { file: 'lease.lua', numberOfKeys: 5, expiry: true },
  cmApply: { file: 'apply.lua', expiry: true },
  cmRenew: { file: 'renew-lock.lua', numberOfKeys: 2 },
  cmRelease: { file: 'release-lock.lua', numberOfKeys: 1 },
  cmStoreBytes: { file: 'store-bytes.lua', numberOfKeys: 3 },
  cmAdmit: { file: 'admit.lua', numberOfKeys: 3 },
} satisfies Record<string, LuaScript>;

/** A client with the store's scripts defined on it. */
export type StoreRedis = Scripted<keyof typeof SCRIPTS>;

/** Defines the store's scripts once on a client (EVALSHA, loaded on first use; the files read only then). */
export function scripted(client: Redis): StoreRedis {
  return defineScripts(client, SCRIPTS);
}

export class RedisStore implements Store {
  readonly redis: StoreRedis;
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
    this.tally = new RedisStoreBytes(
      this.redis,
      options.connection,
      { bytes, index: this.index, once: this.once },
      options.maxStoreBytes ?? DEFAULT_MAX_STORE_BYTES,
    );
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
    return [
      2 + collections.length,
      k.meta,
      k.keys,
      ...collections.map((c) => collectionKey(k, c)),
      this.ttlMs,
      force,
      ...triples,
    ];
  }
  private seedIndexed: { collections: string[]; triples: Array<string | number> } | undefined;

  /** The seed as (collection, key, json) triples, made once: every new session is written from it. */
  seedArgs(): string[] {
    if (!this.seedCache) {
      const out: string[] = [];
      for (const [c, records] of Object.entries(this.options.seed().collections))
        for (const [k, v] of Object.entries(records)) out.push(c, k, exactJson.stringify(v));
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
      if (this.handles.size > (this.options.maxSessions ?? DEFAULT_MAX_SESSIONS))
        this.handles.delete(this.handles.keys().next().value!);
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
      verdict = await this.options.connection.run(
        this.redis.cmAdmit(
          this.index,
          this.once,
          this.evictions,
          s.id,
          Date.now(),
          max,
          idleMs,
          this.ttlMs,
          new Date().toISOString(),
        ),
      );
    } catch (e) {
      // On a cluster the session table is in the prefix's slot, on one master: while that master fails over, sessions
      // whose own slots answer are served (and admitted at their next call), not refused with it. A single Redis down is down.
      if (this.options.connection.options.cluster && e instanceof StoreUnavailableError)
        return { ok: true, session: s };
      throw e;
    }
    if (typeof verdict === 'string') {
      await this.dropKeys(verdict);
      if (++this.evictedHere === 1 || this.evictedHere % 1000 === 0) {
        this.options.log?.(
          `contract-mock: the mock holds its maximum of ${max} sessions; evicted session "${verdict}" (${this.evictedHere} evicted by this instance so far; all instances' count in GET /__mock/health). Raise --max-sessions if real sessions are being evicted.`,
        );
      }
    }
    s.admissions++;
    s.admittedAt = Date.now();
    return { ok: true, session: s };
  }

  /** Sessions held and evicted across every instance on this Redis and prefix (GET /__mock/health). */
  async stats(): Promise<SessionStats> {
    const c = this.options.connection;
    const [used, once, evictions] = await Promise.all([
      c.run(this.redis.zcard(this.index)),
      c.run(this.redis.zcard(this.once)),
      c.run(this.redis.hgetall(this.evictions)),
    ]);
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
    this.handles.get(id)?.dropped();
  }

  async sessionIds(): Promise<string[]> {
    const c = this.options.connection;
    const since = Date.now() - this.ttlMs;
    const [used, once] = await Promise.all([
      c.run(this.redis.zrangebyscore(this.index, since, '+inf')),
      c.run(this.redis.zrangebyscore(this.once, since, '+inf')),
    ]);
    return [...once, ...used];
  }

  async clear(): Promise<void> {
    const c = this.options.connection;
    for (const id of [
      ...(await c.run(this.redis.zrange(this.once, 0, -1))),
      ...(await c.run(this.redis.zrange(this.index, 0, -1))),
    ])
      await this.dropKeys(id);
    await c.run(this.redis.del(this.index, this.once, `{${this.prefix}}:bytes`));
  }

  async health(): Promise<StoreHealth> {
    return this.options.connection.check();
  }

  close(): Promise<void> {
    return this.options.connection.close();
  }
}
