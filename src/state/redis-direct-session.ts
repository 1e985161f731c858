/**
 * A Redis session read and written directly (serve --redis, while this instance does not hold the session's lock):
 * every operation is one round trip, every write one script that checks the session's limits in Redis. The other
 * way is redis-leased-session.ts; the session handle (redis-session.ts) picks one when a lease begins or ends.
 * Knows nothing of HTTP or of any API's records.
 */
import { exactJson } from '../contract/exact-json.js';
import { collectionKey } from './redis-keys.js';
import type { RedisSession, SessionMode } from './redis-session.js';
import { StateLimitError, type SessionDump } from './store.js';

/** How long a clock read by this instance may skip renewing the session's expiry (it renews every call otherwise). */
const CLOCK_ONLY_MS = 1000;

export class DirectSession implements SessionMode {
  readonly lease = undefined;

  constructor(private readonly session: RedisSession) {}

  /** Before an operation: a session this instance has not renewed for a while may have expired and must be seeded again. */
  private async ready(): Promise<void> {
    if (Date.now() - this.session.touchedAt > this.session.store.ttlMs / 2) await this.session.touch();
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    await this.ready();
    const s = this.session;
    const text = await s.run(s.redis.hget(collectionKey(s.keys, collection), key));
    return text === null ? undefined : (exactJson.parse(text) as T);
  }

  async put<T>(collection: string, key: string, value: T): Promise<void> {
    await this.ready();
    const s = this.session;
    const k = s.keys;
    const json = exactJson.stringify(value);
    const admitted = s.store.tally.admit(Buffer.byteLength(json, 'utf8'));
    if (admitted) await admitted;
    const done = (await s.run(
      s.redis.cmPut(collectionKey(k, collection), k.meta, k.keys, key, json, s.limit, s.store.ttlMs, s.maxBytes),
    )) as number;
    if (done === -1) throw new StateLimitError(s.limit);
    if (done === -2) throw new StateLimitError(s.maxBytes, 'max-state-bytes');
    s.store.tally.report(s, done);
  }

  async delete(collection: string, key: string): Promise<boolean> {
    await this.ready();
    const s = this.session;
    const bytes = (await s.run(s.redis.cmDel(collectionKey(s.keys, collection), s.keys.meta, key))) as number;
    if (bytes === -1) return false;
    s.store.tally.report(s, bytes);
    return true;
  }

  async list<T>(collection: string): Promise<T[]> {
    await this.ready();
    const s = this.session;
    const hash = await s.run(s.redis.hgetall(collectionKey(s.keys, collection)));
    return Object.values(hash).map((v) => exactJson.parse(v) as T);
  }

  async nextSeq(name: string, start = 1): Promise<number> {
    await this.ready();
    const s = this.session;
    const field = `n:${name}`;
    // The first value is `start`: seed the counter at start - 1 if it is new, then count.
    const [, [, value]] = (await s.run(
      s.redis
        .multi()
        .hsetnx(s.keys.meta, field, start - 1)
        .hincrby(s.keys.meta, field, 1)
        .exec(),
    )) as [unknown, [unknown, number]];
    return value;
  }

  nextOrder(): Promise<number> {
    const s = this.session;
    return s.run(s.redis.hincrby(s.keys.meta, 'order', 1));
  }

  /** The shared clock, renewing the session's expiry at most every CLOCK_ONLY_MS. */
  async now(): Promise<number> {
    const s = this.session;
    const clock = s.store.options.clock;
    if (Date.now() - s.touchedAt < CLOCK_ONLY_MS) {
      const offset = await s.run(s.redis.hget(s.keys.meta, 'clock'));
      if (offset !== null) return clock.now() + Number(offset);
    }
    return clock.now() + (await s.touch());
  }

  async advanceClock(seconds: number): Promise<number> {
    await this.ready();
    const s = this.session;
    const offset = Number(await s.run(s.redis.hincrbyfloat(s.keys.meta, 'clock', seconds * 1000)));
    return s.store.options.clock.now() + offset;
  }

  /** The session read whole (a batch a lease left unsent is sent first, on the same connection). */
  async dump(): Promise<SessionDump> {
    const s = this.session;
    s.sendPending();
    const offset = await s.touch();
    const k = s.keys;
    const [names, meta] = await Promise.all([s.run(s.redis.smembers(k.keys)), s.run(s.redis.hgetall(k.meta))]);
    const collections: SessionDump['collections'] = {};
    const prefix = `${k.tag}:c:`;
    const hashes = await Promise.all(names.map((n) => s.run(s.redis.hgetall(n))));
    names.forEach((n, i) => {
      const records = hashes[i]!;
      if (!Object.keys(records).length) return;
      collections[n.slice(prefix.length)] = Object.fromEntries(
        Object.entries(records).map(([key, v]) => [key, exactJson.parse(v)]),
      );
    });
    const counters: Record<string, number> = {};
    for (const [f, v] of Object.entries(meta)) if (f.startsWith('n:')) counters[f.slice(2)] = Number(v);
    return { collections, counters, clockOffsetMs: offset };
  }

  async reset(): Promise<void> {
    const s = this.session;
    await s.run(s.redis.cmSeed(...s.store.seedCommand(s.keys, 1)));
    s.store.tally.report(s, s.store.seedBytes());
    s.touchedAt = Date.now();
  }
}
