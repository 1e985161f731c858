/**
 * A Redis session while this instance holds its lock (serve --redis, redis-session-lock.ts): reads are served from
 * what the lease (session-lease.ts) has read or written, writes are queued on it and sent as one fenced script
 * (redis-session.ts flushes them), and the limits are checked against the lease's bounds, exactly in Redis only near
 * them. The other way is redis-direct-session.ts. Knows nothing of HTTP or of any API's records.
 */
import { exactJson } from '../contract/exact-json.js';
import { collectionKey } from './redis-keys.js';
import type { RedisSession, SessionMode } from './redis-session.js';
import { ABSENT, type SessionLease } from './session-lease.js';
import { recordBytes } from './state-budget.js';
import { StateLimitError, type SessionDump } from './store.js';

export class LeasedSession implements SessionMode {
  constructor(
    private readonly session: RedisSession,
    readonly lease: SessionLease,
  ) {}

  /** Whether this lease is still the session's (a read that returns after it ended must not fill it). */
  private get current(): boolean {
    return this.session.leased === this.lease;
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    const lease = this.lease;
    const known = lease.known(collection, key);
    if (known !== undefined) return known === ABSENT ? undefined : (known as T);
    const s = this.session;
    const text = await s.run(s.redis.hget(collectionKey(s.keys, collection), key));
    const value = text === null ? undefined : (exactJson.parse(text) as T);
    if (this.current) lease.learn(collection, key, value === undefined ? ABSENT : value);
    return value;
  }

  async put<T>(collection: string, key: string, value: T): Promise<void> {
    const lease = this.lease;
    const s = this.session;
    const known = lease.known(collection, key);
    if (known === undefined || known === ABSENT) {
      const records = lease.meta.get('records') ?? 0;
      // Within the bound no round trip is needed; at it, the exact count and the key's presence decide.
      if (records + lease.possiblyNew + 1 > s.limit) await this.countExactly(collection, key);
      else if (known === ABSENT) lease.meta.set('records', records + 1);
      else lease.possiblyNew++;
    }
    // The same for bytes: the record counted whole (as if new) within the bound; at it, Redis's count and the record's stored length decide.
    const size = recordBytes(value);
    if (lease.bytesBound + size > s.maxBytes) await this.measureExactly(collection, key, size);
    else lease.pendingBytes += size;
    const admitted = s.store.tally.admit(size, () =>
      known === undefined || known === ABSENT ? 0 : recordBytes(known),
    );
    if (admitted) await admitted;
    lease.put(collection, key, value);
  }

  /** The lease's writes sent (before a command that must reach Redis after them). */
  private flushed(): Promise<void> | undefined {
    const flushed = this.session.flushLease(this.lease);
    this.session.sendPending();
    return flushed;
  }

  /** A put near the byte budget: the lease's writes sent, then the session's bytes and the record's stored length. */
  private async measureExactly(collection: string, key: string, size: number): Promise<void> {
    await this.flushed();
    const s = this.session;
    const results = await s.run(
      s.redis.multi().hget(s.keys.meta, 'bytes').hstrlen(collectionKey(s.keys, collection), key).exec(),
    );
    const [[e1, bytes], [e2, old]] = results as [[Error | null, string | null], [Error | null, number]];
    if (e1 || e2) throw s.store.connection.unavailable(e1 ?? e2);
    const stored = Number(bytes ?? 0);
    this.lease.applied(0, stored);
    if (size > old && stored - old + size > s.maxBytes) throw new StateLimitError(s.maxBytes, 'max-state-bytes');
    this.lease.pendingBytes = size - old;
  }

  /** A put near the record limit: the lease's writes sent, then the exact count and whether the key is new. */
  private async countExactly(collection: string, key: string): Promise<void> {
    await this.flushed();
    const s = this.session;
    const lease = this.lease;
    const results = await s.run(
      s.redis.multi().hget(s.keys.meta, 'records').hexists(collectionKey(s.keys, collection), key).exec(),
    );
    const [[e1, records], [e2, exists]] = results as [[Error | null, string | null], [Error | null, number]];
    if (e1 || e2) throw s.store.connection.unavailable(e1 ?? e2);
    const count = Number(records ?? 0);
    lease.meta.set('records', count);
    lease.possiblyNew = 0;
    if (exists === 1) return;
    if (count >= s.limit) throw new StateLimitError(s.limit);
    lease.meta.set('records', count + 1);
  }

  async delete(collection: string, key: string): Promise<boolean> {
    const lease = this.lease;
    let known = lease.known(collection, key);
    if (known === undefined) {
      const s = this.session;
      const exists = await s.run(s.redis.hexists(collectionKey(s.keys, collection), key));
      // The lease ended meanwhile: the delete goes the way the session is written now.
      if (!this.current) return s.delete(collection, key);
      known = exists === 1 ? true : ABSENT;
    }
    if (known === ABSENT) return false;
    lease.meta.set('records', (lease.meta.get('records') ?? 1) - 1);
    lease.delete(collection, key);
    return true;
  }

  /** Answered at once when the lease read the collection whole (the scenario stage asks on every call). */
  list<T>(collection: string): T[] | Promise<T[]> {
    if (this.lease.collections.get(collection)?.complete) return this.listed<T>(collection);
    return this.listFromRedis<T>(collection);
  }

  private listed<T>(collection: string): T[] {
    const out: T[] = [];
    for (const v of this.lease.collection(collection).entries.values()) if (v !== ABSENT) out.push(v as T);
    return out;
  }

  private async listFromRedis<T>(collection: string): Promise<T[]> {
    const s = this.session;
    const hash = await s.run(s.redis.hgetall(collectionKey(s.keys, collection)));
    if (!this.current) return Object.values(hash).map((v) => exactJson.parse(v) as T);
    this.lease.learnAll(collection, new Map(Object.entries(hash).map(([k, v]) => [k, exactJson.parse(v)])));
    return this.listed<T>(collection);
  }

  nextSeq(name: string, start = 1): number {
    const field = `n:${name}`;
    const value = (this.lease.meta.get(field) ?? start - 1) + 1;
    this.lease.setMeta(field, value);
    return value;
  }

  nextOrder(): number {
    const order = (this.lease.meta.get('order') ?? 0) + 1;
    this.lease.setMeta('order', order);
    return order;
  }

  /** The shared clock as the lease knows it: no round trip. */
  now(): number {
    return this.session.store.options.clock.now() + (this.lease.meta.get('clock') ?? 0);
  }

  advanceClock(seconds: number): Promise<number> {
    const offset = (this.lease.meta.get('clock') ?? 0) + seconds * 1000;
    this.lease.setMeta('clock', offset);
    return Promise.resolve(this.session.store.options.clock.now() + offset);
  }

  /** What the lease wrote and has not sent yet is part of the session: sent first, then the session read whole. */
  async dump(): Promise<SessionDump> {
    await this.flushed();
    return this.session.direct.dump();
  }

  /** The seed replaces everything: writes the lease has not sent yet are superseded, and what it knew is forgotten. */
  async reset(): Promise<void> {
    const lease = this.lease;
    const s = this.session;
    lease.take();
    await s.run(s.redis.cmSeed(...s.store.seedCommand(s.keys, 1)));
    if (this.current) lease.forget(s.store.seedArgs().length / 3, s.store.seedBytes());
    s.store.tally.report(s, s.store.seedBytes());
    s.touchedAt = Date.now();
  }
}
