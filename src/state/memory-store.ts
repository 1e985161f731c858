/**
 * The default Store: every session's state in process memory, created from the seed on first use.
 * Every change is also reported as a Mutation, so a durable backend (file-store.ts) can log it and
 * replay it. A store full of sessions never refuses one: it evicts (see open()), counts the evictions, and
 * a flood of one-call sessions cannot push out sessions in use. Each session's records and all of them together are
 * counted in bytes (state-budget.ts), so a write past --max-state-bytes or --max-store-bytes is refused before it is applied.
 */
import { DEFAULT_MAX_STATE_BYTES, DEFAULT_MAX_STORE_BYTES, recordBytes, type StateBudget } from './state-budget.js';
import {
  StateLimitError,
  type Clock,
  type Mutation,
  type OpenResult,
  type SessionDump,
  type SessionStats,
  type SessionStore,
  type Store,
  type SyncSession,
} from './store.js';

interface SessionData {
  collections: Map<string, Map<string, unknown>>;
  /** Each record's size as counted when it was written (a handler may change a record in place before putting it back). */
  sizes: Map<string, Map<string, number>>;
  /** The sum of `sizes`. */
  bytes: number;
  counters: Map<string, number>;
  clockOffsetMs: number;
}

export interface MemoryStoreOptions extends StateBudget {
  clock: Clock;
  /** The state a new or reset session starts from. */
  seed: () => SessionDump;
  /** Most sessions kept at once (default 10,000). */
  maxSessions?: number;
  /** At the cap, a session idle this long is evicted before any other (default 600 s). */
  sessionIdleMs?: number;
  /** Most records one session may hold (default 10,000): a new record beyond it is refused. */
  maxRecordsPerSession?: number;
  /**
   * Called synchronously on every change, before it is applied (and so before it is acknowledged): if it
   * throws (a durable backend could not log the change), the change is not applied and the error propagates.
   */
  onMutation?: (session: string, mutation: Mutation) => void;
  /** Told about evictions (the first, then every 1,000th), for the server's log. */
  log?: (message: string) => void;
}

export const DEFAULT_MAX_SESSIONS = 10_000;
export const DEFAULT_SESSION_IDLE_MS = 600_000;
export const DEFAULT_MAX_RECORDS = 10_000;

function fromDump(dump: SessionDump): SessionData {
  const collections = new Map<string, Map<string, unknown>>();
  const sizes = new Map<string, Map<string, number>>();
  let bytes = 0;
  for (const [name, records] of Object.entries(dump.collections)) {
    collections.set(name, new Map(Object.entries(structuredClone(records))));
    const sized = new Map<string, number>();
    for (const [key, value] of Object.entries(records)) {
      const n = recordBytes(value);
      sized.set(key, n);
      bytes += n;
    }
    sizes.set(name, sized);
  }
  return {
    collections,
    sizes,
    bytes,
    counters: new Map(Object.entries(dump.counters)),
    clockOffsetMs: dump.clockOffsetMs,
  };
}

class MemorySession implements SessionStore {
  lastUsed = Date.now();
  /** Opened by more than one request (then it is no longer the first to go when the store is full). */
  usedAgain = false;

  constructor(
    readonly id: string,
    private data: SessionData,
    private readonly store: MemoryStore,
  ) {}

  private collection(name: string): Map<string, unknown> {
    let c = this.data.collections.get(name);
    if (!c) this.data.collections.set(name, (c = new Map()));
    return c;
  }

  /** Bytes this session's records take (what --max-state-bytes counts). */
  get bytes(): number {
    return this.data.bytes;
  }

  /** Applies a change to memory (live or replayed from a log), keeping the byte counts; `size`: the put record's, when known. */
  apply(m: Mutation, size?: number): void {
    switch (m.op) {
      case 'put': {
        let sizes = this.data.sizes.get(m.c);
        if (!sizes) this.data.sizes.set(m.c, (sizes = new Map()));
        const n = size ?? recordBytes(m.v);
        this.grow(n - (sizes.get(m.k) ?? 0));
        sizes.set(m.k, n);
        this.collection(m.c).set(m.k, m.v);
        break;
      }
      case 'del': {
        const sizes = this.data.sizes.get(m.c);
        this.grow(-(sizes?.get(m.k) ?? 0));
        sizes?.delete(m.k);
        this.data.collections.get(m.c)?.delete(m.k);
        break;
      }
      case 'seq':
        this.data.counters.set(m.name, m.value);
        break;
      case 'clock':
        this.data.clockOffsetMs = m.offsetMs;
        break;
      case 'reset':
        this.replace(fromDump(this.store.options.seed()));
        break;
      case 'load':
        this.replace(fromDump(m.dump));
        break;
    }
  }

  private grow(bytes: number): void {
    this.data.bytes += bytes;
    this.store.bytes += bytes;
  }

  private replace(data: SessionData): void {
    this.store.bytes += data.bytes - this.data.bytes;
    this.data = data;
  }

  private change(m: Mutation, size?: number): void {
    // Logged first: a change its backend could not make durable is not applied, in memory either.
    this.store.options.onMutation?.(this.id, m);
    this.apply(m, size);
  }

  /** The reads and writes below, answered at once (SyncSession). */
  readonly sync: SyncSession = {
    get: <T>(collection: string, key: string): T | undefined =>
      this.data.collections.get(collection)?.get(key) as T | undefined,
    put: <T>(collection: string, key: string, value: T): void => {
      if (!this.data.collections.get(collection)?.has(key)) {
        const limit = this.store.options.maxRecordsPerSession ?? DEFAULT_MAX_RECORDS;
        let records = 0;
        for (const c of this.data.collections.values()) records += c.size;
        if (records >= limit) throw new StateLimitError(limit);
      }
      const size = recordBytes(value);
      const growth = size - (this.data.sizes.get(collection)?.get(key) ?? 0);
      if (growth > 0) this.store.admitBytes(this, growth);
      this.change({ op: 'put', c: collection, k: key, v: value }, size);
    },
    delete: (collection: string, key: string): boolean => {
      if (!this.data.collections.get(collection)?.has(key)) return false;
      this.change({ op: 'del', c: collection, k: key });
      return true;
    },
  };

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    return this.sync.get<T>(collection, key);
  }
  async put<T>(collection: string, key: string, value: T): Promise<void> {
    this.sync.put(collection, key, value);
  }
  async delete(collection: string, key: string): Promise<boolean> {
    return this.sync.delete(collection, key);
  }
  list<T>(collection: string): T[] {
    return [...(this.data.collections.get(collection)?.values() ?? [])] as T[];
  }
  nextSeq(name: string, start = 1): number {
    const value = (this.data.counters.get(name) ?? start - 1) + 1;
    this.change({ op: 'seq', name, value });
    return value;
  }
  now(): number {
    return this.store.options.clock.now() + this.data.clockOffsetMs;
  }
  async advanceClock(seconds: number): Promise<number> {
    this.change({ op: 'clock', offsetMs: this.data.clockOffsetMs + seconds * 1000 });
    return this.now();
  }
  async dump(): Promise<SessionDump> {
    return this.dumpSync();
  }
  dumpSync(): SessionDump {
    const collections: SessionDump['collections'] = {};
    for (const [name, records] of this.data.collections)
      collections[name] = structuredClone(Object.fromEntries(records));
    return { collections, counters: Object.fromEntries(this.data.counters), clockOffsetMs: this.data.clockOffsetMs };
  }
  async reset(): Promise<void> {
    this.change({ op: 'reset' });
  }
}

export class MemoryStore implements Store {
  /** Sessions used more than once, least recently used first (Map order is insertion order). */
  private readonly sessions = new Map<string, MemorySession>();
  /** Sessions used once so far, oldest first: the first to go when the store is full. */
  private readonly fresh = new Map<string, MemorySession>();
  /** The session opened last: already the newest of its map, so reopening it moves nothing. */
  private newest: MemorySession | undefined;
  private evicted = 0;
  private lastEviction: { session: string; at: string } | undefined;
  /** Bytes every held session's records take (what --max-store-bytes counts); sessions keep it as they change. */
  bytes = 0;

  constructor(readonly options: MemoryStoreOptions) {}

  /**
   * Before a write that grows `session` by `growth` bytes: refused past --max-state-bytes, and past --max-store-bytes
   * unless evicting idle sessions (idle --session-idle, the least recently used first) makes room.
   */
  admitBytes(session: MemorySession, growth: number): void {
    const perSession = this.options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
    if (session.bytes + growth > perSession) throw new StateLimitError(perSession, 'max-state-bytes');
    const inAll = this.options.maxStoreBytes ?? DEFAULT_MAX_STORE_BYTES;
    if (this.bytes + growth <= inAll) return;
    const idleMs = this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    const now = Date.now();
    for (const s of [...this.fresh.values(), ...this.sessions.values()]) {
      if (this.bytes + growth <= inAll) return;
      if (s !== session && now - s.lastUsed >= idleMs)
        this.evict(s, `the mock's sessions hold their maximum of ${inAll} bytes (--max-store-bytes)`);
    }
    if (this.bytes + growth > inAll) throw new StateLimitError(inAll, 'max-store-bytes');
  }

  /**
   * Opens (or creates) a session; never refuses one, so no flood of session ids can lock a client out.
   * When the store is full it evicts, in this order: the least recently used session if idle for
   * sessionIdleMs; else the oldest session used only once (what a flood of random ids creates); else the
   * least recently used one. So a flood churns one-call sessions and reaches a session in use only when
   * every held session has been used twice. An evicted session starts again from the seed when it is next used.
   */
  open(id: string): OpenResult {
    const newest = this.newest;
    if (newest?.id === id && newest.usedAgain) {
      newest.lastUsed = Date.now();
      return { ok: true, session: newest };
    }
    let s = this.sessions.get(id);
    if (s) this.sessions.delete(id);
    else if ((s = this.fresh.get(id))) {
      // A second request: no longer a one-call session.
      this.fresh.delete(id);
      s.usedAgain = true;
    }
    if (s) {
      // Re-insert as the most recently used.
      this.sessions.set(id, s);
      this.newest = s;
      s.lastUsed = Date.now();
      return { ok: true, session: s };
    }
    const max = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (this.sessions.size + this.fresh.size >= max) this.evictOne();
    s = new MemorySession(id, fromDump(this.options.seed()), this);
    this.bytes += s.bytes;
    this.fresh.set(id, s);
    this.newest = s;
    return { ok: true, session: s };
  }

  private evictOne(): void {
    const idleMs = this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    const used = this.sessions.values().next().value as MemorySession | undefined;
    const once = this.fresh.values().next().value as MemorySession | undefined;
    const lru = used && once ? (once.lastUsed <= used.lastUsed ? once : used) : (used ?? once);
    const victim = lru && Date.now() - lru.lastUsed >= idleMs ? lru : (once ?? used);
    if (victim)
      this.evict(
        victim,
        `the mock holds its maximum of ${this.options.maxSessions ?? DEFAULT_MAX_SESSIONS} sessions`,
        '--max-sessions',
      );
  }

  /** Drops a session to make room, counted (health) and logged (the first, then every 1,000th). */
  private evict(victim: MemorySession, why: string, flag = '--max-store-bytes'): void {
    this.drop(victim.id);
    this.evicted++;
    this.lastEviction = { session: victim.id, at: new Date().toISOString() };
    if (this.evicted === 1 || this.evicted % 1000 === 0) {
      this.options.log?.(
        `contract-mock: ${why}; evicted session "${victim.id}" (idle ${Math.round((Date.now() - victim.lastUsed) / 1000)} s; ${this.evicted} evicted so far, see GET /__mock/health). Raise ${flag} if real sessions are being evicted.`,
      );
    }
  }

  /** Sessions held, the cap, and evictions so far (GET /__mock/health). */
  stats(): SessionStats {
    return {
      held: this.sessions.size + this.fresh.size,
      max: this.options.maxSessions ?? DEFAULT_MAX_SESSIONS,
      evicted: this.evicted,
      bytes: this.bytes,
      ...(this.lastEviction && { lastEviction: this.lastEviction }),
    };
  }

  /** A session already admitted by open() in this request: looked up without counting as another use. */
  session(id: string): SessionStore {
    const held = this.sessions.get(id) ?? this.fresh.get(id);
    if (held) return held;
    const opened = this.open(id);
    if (!opened.ok) throw new Error(opened.reason);
    return opened.session;
  }

  /** Forgets a session entirely (it starts from the seed if used again). */
  drop(id: string): void {
    if (!this.sessions.has(id) && !this.fresh.has(id)) return;
    // Logged first, as every change: a drop its backend could not log leaves the session held.
    this.options.onMutation?.(id, { op: 'drop' });
    this.forget(id);
  }

  /** Removes a held session and its bytes from the count; false when none is held. */
  private forget(id: string): boolean {
    if (this.newest?.id === id) this.newest = undefined;
    const s = this.sessions.get(id) ?? this.fresh.get(id);
    if (!s) return false;
    if (!this.sessions.delete(id)) this.fresh.delete(id);
    this.bytes -= s.bytes;
    return true;
  }

  /** Replays a logged change (durable backends); creates the session without limits or logging. */
  replay(id: string, m: Mutation): void {
    if (m.op === 'drop') {
      this.forget(id);
      return;
    }
    let s = this.sessions.get(id) ?? this.fresh.get(id);
    if (!s) {
      this.sessions.set(id, (s = new MemorySession(id, fromDump(this.options.seed()), this)));
      this.bytes += s.bytes;
      s.usedAgain = true;
      this.newest = s;
    }
    s.apply(m);
  }

  /** Every session's state, synchronously (for snapshots). */
  snapshot(): Record<string, SessionDump> {
    return Object.fromEntries([...this.fresh, ...this.sessions].map(([id, s]) => [id, s.dumpSync()]));
  }

  async sessionIds(): Promise<string[]> {
    return [...this.fresh.keys(), ...this.sessions.keys()];
  }

  async clear(): Promise<void> {
    for (const id of [...this.fresh.keys(), ...this.sessions.keys()]) this.drop(id);
  }
}
