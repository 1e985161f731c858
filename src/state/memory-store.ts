/**
 * The default Store: every session's state in process memory, created from the seed on first use.
 * Every change is also reported as a Mutation, so a durable backend (file-store.ts) can log it and
 * replay it; a store full of sessions evicts only sessions idle long enough, else refuses a new one.
 */
import { StateLimitError, type Clock, type Mutation, type OpenResult, type SessionDump, type SessionStore, type Store } from './store.js';

interface SessionData {
  collections: Map<string, Map<string, unknown>>;
  counters: Map<string, number>;
  clockOffsetMs: number;
}

export interface MemoryStoreOptions {
  clock: Clock;
  /** The state a new or reset session starts from. */
  seed: () => SessionDump;
  /** Most sessions kept at once (default 10,000). */
  maxSessions?: number;
  /** At the cap, the least recently used session is dropped only if idle this long (default 600 s). */
  sessionIdleMs?: number;
  /** Most records one session may hold (default 10,000): a new record beyond it is refused. */
  maxRecordsPerSession?: number;
  /** Called synchronously on every change, after it is applied and before it is acknowledged. */
  onMutation?: (session: string, mutation: Mutation) => void;
}

export const DEFAULT_MAX_SESSIONS = 10_000;
export const DEFAULT_SESSION_IDLE_MS = 600_000;
export const DEFAULT_MAX_RECORDS = 10_000;

function fromDump(dump: SessionDump): SessionData {
  const collections = new Map<string, Map<string, unknown>>();
  for (const [name, records] of Object.entries(dump.collections)) {
    collections.set(name, new Map(Object.entries(structuredClone(records))));
  }
  return { collections, counters: new Map(Object.entries(dump.counters)), clockOffsetMs: dump.clockOffsetMs };
}

class MemorySession implements SessionStore {
  lastUsed = Date.now();

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

  /** Applies a change to memory (live or replayed from a log). */
  apply(m: Mutation): void {
    switch (m.op) {
      case 'put':
        this.collection(m.c).set(m.k, m.v);
        break;
      case 'del':
        this.data.collections.get(m.c)?.delete(m.k);
        break;
      case 'seq':
        this.data.counters.set(m.name, m.value);
        break;
      case 'clock':
        this.data.clockOffsetMs = m.offsetMs;
        break;
      case 'reset':
        this.data = fromDump(this.store.options.seed());
        break;
      case 'load':
        this.data = fromDump(m.dump);
        break;
    }
  }

  private change(m: Mutation): void {
    this.apply(m);
    // After applying, so a backend that compacts on this change snapshots it too.
    this.store.options.onMutation?.(this.id, m);
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    return this.data.collections.get(collection)?.get(key) as T | undefined;
  }
  async put<T>(collection: string, key: string, value: T): Promise<void> {
    if (!this.data.collections.get(collection)?.has(key)) {
      const limit = this.store.options.maxRecordsPerSession ?? DEFAULT_MAX_RECORDS;
      let records = 0;
      for (const c of this.data.collections.values()) records += c.size;
      if (records >= limit) throw new StateLimitError(limit);
    }
    this.change({ op: 'put', c: collection, k: key, v: value });
  }
  async delete(collection: string, key: string): Promise<boolean> {
    if (!this.data.collections.get(collection)?.has(key)) return false;
    this.change({ op: 'del', c: collection, k: key });
    return true;
  }
  async list<T>(collection: string): Promise<T[]> {
    return [...(this.data.collections.get(collection)?.values() ?? [])] as T[];
  }
  async nextSeq(name: string, start = 1): Promise<number> {
    const value = (this.data.counters.get(name) ?? start - 1) + 1;
    this.change({ op: 'seq', name, value });
    return value;
  }
  async now(): Promise<number> {
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
    for (const [name, records] of this.data.collections) collections[name] = structuredClone(Object.fromEntries(records));
    return { collections, counters: Object.fromEntries(this.data.counters), clockOffsetMs: this.data.clockOffsetMs };
  }
  async reset(): Promise<void> {
    this.change({ op: 'reset' });
  }
}

export class MemoryStore implements Store {
  private readonly sessions = new Map<string, MemorySession>();
  /** The session opened last: already the newest in `sessions`, so reopening it moves nothing. */
  private newest: MemorySession | undefined;

  constructor(readonly options: MemoryStoreOptions) {}

  /** Opens (or creates) a session; refuses a new one when the store is full of recently used sessions. */
  open(id: string): OpenResult {
    let s = this.newest?.id === id ? this.newest : this.sessions.get(id);
    if (s) {
      if (s !== this.newest) {
        // Map order is insertion order: re-insert to mark as most recently used.
        this.sessions.delete(id);
        this.sessions.set(id, s);
        this.newest = s;
      }
      s.lastUsed = Date.now();
      return { ok: true, session: s };
    }
    const max = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (this.sessions.size >= max) {
      const [oldestId, oldest] = this.sessions.entries().next().value as [string, MemorySession];
      const idleMs = this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
      if (Date.now() - oldest.lastUsed < idleMs) {
        return { ok: false, reason: `the mock holds its maximum of ${max} sessions, none idle for ${Math.round(idleMs / 1000)} s; reset finished sessions (POST /__mock/reset) or start serve with a larger --max-sessions` };
      }
      this.drop(oldestId);
    }
    s = new MemorySession(id, fromDump(this.options.seed()), this);
    this.sessions.set(id, s);
    this.newest = s;
    return { ok: true, session: s };
  }

  session(id: string): SessionStore {
    const opened = this.open(id);
    if (!opened.ok) throw new Error(opened.reason);
    return opened.session;
  }

  /** Forgets a session entirely (it starts from the seed if used again). */
  drop(id: string): void {
    if (this.newest?.id === id) this.newest = undefined;
    if (this.sessions.delete(id)) this.options.onMutation?.(id, { op: 'drop' });
  }

  /** Replays a logged change (durable backends); creates the session without limits or logging. */
  replay(id: string, m: Mutation): void {
    if (m.op === 'drop') {
      if (this.newest?.id === id) this.newest = undefined;
      this.sessions.delete(id);
      return;
    }
    let s = this.sessions.get(id);
    if (!s) {
      this.sessions.set(id, (s = new MemorySession(id, fromDump(this.options.seed()), this)));
      this.newest = s;
    }
    s.apply(m);
  }

  /** Every session's state, synchronously (for snapshots). */
  snapshot(): Record<string, SessionDump> {
    return Object.fromEntries([...this.sessions].map(([id, s]) => [id, s.dumpSync()]));
  }

  async sessionIds(): Promise<string[]> {
    return [...this.sessions.keys()];
  }

  async clear(): Promise<void> {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}
