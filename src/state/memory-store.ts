/** The default Store: every session's state in process memory, created from the seed on first use. */
import type { Clock, SessionDump, SessionStore, Store } from './store.js';

interface SessionData {
  collections: Map<string, Map<string, unknown>>;
  counters: Map<string, number>;
  clockOffsetMs: number;
}

export interface MemoryStoreOptions {
  clock: Clock;
  /** The state a new or reset session starts from. */
  seed: () => SessionDump;
  /** Most sessions kept at once; the least recently used is dropped beyond it. */
  maxSessions?: number;
}

function fromDump(dump: SessionDump): SessionData {
  const collections = new Map<string, Map<string, unknown>>();
  for (const [name, records] of Object.entries(dump.collections)) {
    collections.set(name, new Map(Object.entries(structuredClone(records))));
  }
  return { collections, counters: new Map(Object.entries(dump.counters)), clockOffsetMs: dump.clockOffsetMs };
}

class MemorySession implements SessionStore {
  constructor(
    readonly id: string,
    private data: SessionData,
    private readonly options: MemoryStoreOptions,
  ) {}

  private collection(name: string): Map<string, unknown> {
    let c = this.data.collections.get(name);
    if (!c) this.data.collections.set(name, (c = new Map()));
    return c;
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    return this.data.collections.get(collection)?.get(key) as T | undefined;
  }
  async put<T>(collection: string, key: string, value: T): Promise<void> {
    this.collection(collection).set(key, value);
  }
  async delete(collection: string, key: string): Promise<boolean> {
    return this.data.collections.get(collection)?.delete(key) ?? false;
  }
  async list<T>(collection: string): Promise<T[]> {
    return [...(this.data.collections.get(collection)?.values() ?? [])] as T[];
  }
  async nextSeq(name: string, start = 1): Promise<number> {
    const next = (this.data.counters.get(name) ?? start - 1) + 1;
    this.data.counters.set(name, next);
    return next;
  }
  async now(): Promise<number> {
    return this.options.clock.now() + this.data.clockOffsetMs;
  }
  async advanceClock(seconds: number): Promise<number> {
    this.data.clockOffsetMs += seconds * 1000;
    return this.now();
  }
  async dump(): Promise<SessionDump> {
    const collections: SessionDump['collections'] = {};
    for (const [name, records] of this.data.collections) collections[name] = structuredClone(Object.fromEntries(records));
    return { collections, counters: Object.fromEntries(this.data.counters), clockOffsetMs: this.data.clockOffsetMs };
  }
  async reset(): Promise<void> {
    this.data = fromDump(this.options.seed());
  }
}

export class MemoryStore implements Store {
  private readonly sessions = new Map<string, MemorySession>();

  constructor(private readonly options: MemoryStoreOptions) {}

  session(id: string): SessionStore {
    let s = this.sessions.get(id);
    if (s) {
      // Map order is insertion order: re-insert to mark as most recently used.
      this.sessions.delete(id);
      this.sessions.set(id, s);
      return s;
    }
    s = new MemorySession(id, fromDump(this.options.seed()), this.options);
    this.sessions.set(id, s);
    const max = this.options.maxSessions ?? 10_000;
    if (this.sessions.size > max) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    return s;
  }

  async sessionIds(): Promise<string[]> {
    return [...this.sessions.keys()];
  }

  async clear(): Promise<void> {
    this.sessions.clear();
  }
}
