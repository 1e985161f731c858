/**
 * One Redis session as this instance holds it (serve --redis): its keys, what this instance knows of it (when it last
 * renewed its expiry, was admitted, reported its bytes), and how it is read and written now: directly
 * (redis-direct-session.ts) or through this instance's lease on its lock (redis-leased-session.ts). The way is picked
 * when a lease begins and when it ends, so no operation asks which. The lease's life (taken, renewed, its writes sent
 * as one fenced script, ended) is here; when to take and let go of the lock is redis-session-lock.ts's.
 */
import { DirectSession } from './redis-direct-session.js';
import { sessionKeys, type SessionKeys } from './redis-keys.js';
import { LeasedSession } from './redis-leased-session.js';
import type { RedisStore, StoreRedis } from './redis-store.js';
import { DEFAULT_MAX_RECORDS } from './memory-store.js';
import { SessionLease } from './session-lease.js';
import { DEFAULT_MAX_STATE_BYTES } from './state-budget.js';
import { StoreUnavailableError, type SessionDump, type SessionStore } from './store.js';

/** One way of reading and writing a session: the SessionStore operations, and the lease it goes through (if any). */
export interface SessionMode extends Omit<SessionStore, 'id'> {
  readonly lease: SessionLease | undefined;
  /** The session's next handler number, under its lock. */
  nextOrder(): number | Promise<number>;
}

/**
 * cmApply's arguments: the fixed keys, then every collection the writes touch declared as a key (so a Redis Cluster,
 * or a proxy, sees each key the script writes), the writes naming their collection by its KEYS index.
 */
function applyCommand(
  k: SessionKeys,
  token: string,
  ttlMs: number,
  ops: Array<string | number>,
): Array<string | number> {
  const keys: string[] = [k.lock, k.wait, k.meta, k.keys, k.journal];
  const index = new Map<string | number, number>();
  for (let i = 0; i < ops.length;) {
    const op = ops[i];
    if (op === 'm') {
      i += 3;
      continue;
    }
    const c = ops[i + 1]!;
    let at = index.get(c);
    if (at === undefined) index.set(c, (at = keys.push(`${k.tag}:c:${String(c)}`)));
    ops[i + 1] = at;
    i += op === 'p' ? 4 : 3;
  }
  return [keys.length, ...keys, token, token.split(':')[0]!, ttlMs, ...ops];
}

export class RedisSession implements SessionStore {
  readonly keys: SessionKeys;
  /** When this instance last renewed the session's expiry (and so knows it exists). */
  touchedAt = 0;
  /** When the session index last admitted it (and noted its use), and how often this instance had it admitted. */
  admittedAt = 0;
  admissions = 0;
  /** The session's bytes as this instance last reported them to the store's tally (redis-store-bytes.ts). */
  reportedBytes = 0;
  /** The session read and written directly: the way while no lease is held. */
  readonly direct: DirectSession;
  /** The way the session is read and written now. */
  private mode: SessionMode;
  /** The lease's writes waiting for the next turn of the event loop, and what sends them. */
  private batch: { lease: SessionLease; done: Promise<void>; start: () => void } | undefined;

  constructor(
    readonly id: string,
    readonly store: RedisStore,
  ) {
    this.keys = sessionKeys(store.prefix, id);
    this.mode = this.direct = new DirectSession(this);
  }

  get redis(): StoreRedis {
    return this.store.redis;
  }
  run<T>(command: Promise<T>): Promise<T> {
    return this.store.connection.run(command);
  }
  get limit(): number {
    return this.store.options.maxRecordsPerSession ?? DEFAULT_MAX_RECORDS;
  }
  get maxBytes(): number {
    return this.store.options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
  }
  /** The lease this instance holds on the session's lock (redis-session-lock.ts), while it holds one. */
  get leased(): SessionLease | undefined {
    return this.mode.lease;
  }

  get<T>(collection: string, key: string): Promise<T | undefined> {
    return this.mode.get<T>(collection, key);
  }
  put<T>(collection: string, key: string, value: T): Promise<void> {
    return this.mode.put(collection, key, value);
  }
  delete(collection: string, key: string): Promise<boolean> {
    return this.mode.delete(collection, key);
  }
  list<T>(collection: string): T[] | Promise<T[]> {
    return this.mode.list<T>(collection);
  }
  nextSeq(name: string, start = 1): number | Promise<number> {
    return this.mode.nextSeq(name, start);
  }
  nextOrder(): number | Promise<number> {
    return this.mode.nextOrder();
  }
  /** The pipeline's first operation on every call: the shared clock. */
  now(): number | Promise<number> {
    return this.mode.now();
  }
  advanceClock(seconds: number): Promise<number> {
    return this.mode.advanceClock(seconds);
  }
  dump(): Promise<SessionDump> {
    return this.mode.dump();
  }
  reset(): Promise<void> {
    return this.mode.reset();
  }

  /** Renews the session's expiry and reads its clock; seeds it first when it is new (or expired). */
  async touch(): Promise<number> {
    const k = this.keys;
    let offset = (await this.run(this.redis.cmTouch(k.meta, k.keys, k.journal, this.store.ttlMs))) as string | null;
    if (offset === null) {
      await this.seed();
      offset = '0';
    }
    this.touchedAt = Date.now();
    return Number(offset);
  }

  private seed(): Promise<unknown> {
    return this.run(this.redis.cmSeed(...this.store.seedCommand(this.keys, 0)));
  }

  /**
   * Takes the session's lock in Redis for `token` and begins a lease on it (the session is then read and written
   * through it); undefined while another instance holds the lock (Redis notes that this owner waits, so the holder
   * lets go soon).
   */
  async takeLease(token: string, owner: string, lockTtlMs: number): Promise<SessionLease | undefined> {
    const k = this.keys;
    for (let attempt = 0; ; attempt++) {
      const meta = (await this.run(
        this.redis.cmLease(k.lock, k.wait, k.meta, k.keys, k.journal, token, lockTtlMs, owner, this.store.ttlMs),
      )) as string[] | null | 0;
      if (meta === null) return undefined;
      if (meta !== 0) {
        const fields: Record<string, string> = {};
        for (let i = 0; i < meta.length; i += 2) fields[meta[i]!] = meta[i + 1]!;
        const { owner: previousOwner, ...numbers } = fields;
        this.touchedAt = Date.now();
        const lease = new SessionLease(token, numbers, previousOwner);
        this.mode = new LeasedSession(this, lease);
        return lease;
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
  sendPending(): void {
    this.batch?.start();
  }

  private send(lease: SessionLease): Promise<void> {
    if (!lease.dirty) return Promise.resolve();
    const ops = lease.take();
    const sentBytes = lease.sentBytes;
    return this.run(this.redis.cmApply(...applyCommand(this.keys, lease.token, this.store.ttlMs, ops))).then(
      (verdict) => {
        if (verdict === -1)
          throw this.lose(
            lease,
            new StoreUnavailableError(
              `session "${this.id}": this instance's hold on the session lock ended before its writes reached Redis, which applied none of them`,
              'not-applied',
            ),
          );
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

  /** The lease is over: the session is read and written directly again (if it was still the session's). */
  private lose(lease: SessionLease, e: unknown): unknown {
    lease.lost = true;
    if (this.leased === lease) this.mode = this.direct;
    return e;
  }

  /** Extends the lease's lock (redis-session-lock.ts calls this while a lease lasts). */
  async renewLease(lease: SessionLease, lockTtlMs: number): Promise<void> {
    const k = this.keys;
    const verdict = await this.run(
      this.redis.cmRenew(k.lock, k.wait, lease.token, lockTtlMs, lease.token.split(':')[0]!),
    );
    if (verdict === -1) this.lose(lease, undefined);
    else if (verdict === 1) lease.othersWaiting = true;
  }

  /** Ends the lease and lets go of the lock (after its writes: one connection keeps the order). */
  endLease(lease: SessionLease): Promise<unknown> {
    // Its last writes first (their callers await them; a failure reaches them there).
    if (lease.dirty && this.batch?.lease !== lease) this.flushLease(lease)?.catch(() => undefined);
    if (this.batch?.lease === lease) this.sendPending();
    this.lose(lease, undefined);
    return this.run(this.redis.cmRelease(this.keys.lock, lease.token));
  }

  /** The session's keys were dropped (evicted, cleared): nothing this instance knew of it holds, and a lease on it is lost. */
  dropped(): void {
    this.touchedAt = this.admittedAt = this.admissions = this.reportedBytes = 0;
    // The lock went with the keys: another instance's lease is refused at its next write.
    const lease = this.leased;
    if (lease) lease.lost = true;
    this.mode = this.direct;
  }
}
