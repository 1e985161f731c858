/**
 * The session lock across instances (serve --redis). Calls of one session queue in this process
 * first; the first of them takes the session's lock in Redis (an NX key with an expiry, renewed
 * while held) and begins a lease (session-lease.ts), which is handed from call to call inside this
 * instance as long as more are waiting. The lock is let go when the queue is empty (a session in steady
 * use keeps it LINGER_MS longer), or soon after another instance asks for it, so a busy instance cannot
 * starve the others; a killed instance's lock expires. Each locked section's writes go to Redis as one
 * fenced script, sent before the next call starts and awaited before the call is answered.
 */
import { randomBytes } from 'node:crypto';
import type { RedisSession } from './redis-session.js';
import type { SessionLease } from './session-lease.js';
import type { SessionLock } from './session-lock.js';
import { StoreUnavailableError, type SessionStore } from './store.js';

export interface RedisSessionLockOptions {
  /** How long a holder keeps the lock without renewing it (ms): a dead instance's lock is free after this. */
  ttlMs: number;
  /** How long a call waits for the lock before it is answered store-unavailable (ms). */
  waitMs: number;
}

/** Another instance waits: the holder keeps the lock at least this long (ms) before it lets go... */
const MIN_HOLD_MS = 5;
/** ...and then lets its own next call wait this long (ms) before asking again, so the waiter gets its turn. */
const YIELD_MS = 5;
/** Longest pause between two asks for a held lock (ms). */
const MAX_POLL_MS = 4;
/**
 * With no call waiting, the lock is kept up to this long (ms) for the next call, which then needs no
 * round trip to take it, nor to read what the lease already knows (its clock, its active scenarios,
 * the records it read). Only a session in steady use lingers: one whose lease served more than one call,
 * or that this instance let go less than this long before taking it again with no other instance
 * holding it in between (a client calling back-to-back in a session of its own). A session called
 * now and then, or used by several instances in turn, lets go at once.
 */
const LINGER_MS = 10;

/** One session's calls in this process: whether one runs, who waits, and the lease they share. */
interface Turn {
  busy: boolean;
  queue: Array<() => void>;
  lease: SessionLease | undefined;
  renewal: NodeJS.Timeout | undefined;
  yieldUntil: number;
  /** When the last call finished (the lock lingers LINGER_MS after it), and the timer that lets go then. */
  idleSince: number;
  linger: NodeJS.Timeout | undefined;
  /** When this instance last let go of the lock, and whether the lease held now followed it within LINGER_MS, no other instance between. */
  releasedAt: number;
  steady: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The lock across instances: one Turn per session handle in this process, the lock in Redis held through its lease. */
class RedisSessionLock implements SessionLock {
  /** This instance as the lock's owner (Redis notes who waits and who held it last), and the leases it took so far. */
  private readonly owner = randomBytes(6).toString('hex');
  private taken = 0;
  private readonly turns = new WeakMap<SessionStore, Turn>();

  constructor(private readonly options: RedisSessionLockOptions) {}

  private turnOf(session: SessionStore): Turn {
    let turn = this.turns.get(session);
    if (!turn)
      this.turns.set(
        session,
        (turn = {
          busy: false,
          queue: [],
          lease: undefined,
          renewal: undefined,
          yieldUntil: 0,
          idleSince: 0,
          linger: undefined,
          releasedAt: 0,
          steady: false,
        }),
      );
    return turn;
  }

  private async acquire(session: RedisSession, turn: Turn): Promise<SessionLease> {
    const { ttlMs, waitMs } = this.options;
    const deadline = Date.now() + waitMs;
    const pause = turn.yieldUntil - Date.now();
    if (pause > 0) await sleep(pause);
    for (let wait = 1; ; wait = Math.min(wait * 2, MAX_POLL_MS)) {
      const lease = await session.takeLease(`${this.owner}:${++this.taken}`, this.owner, ttlMs);
      if (lease) {
        turn.lease = lease;
        turn.steady = lease.previousOwner === this.owner && Date.now() - turn.releasedAt <= LINGER_MS;
        // Renewed while held; a renewal that fails leaves the lock to expire (and the fence to refuse late writes).
        turn.renewal = setInterval(
          () => void session.renewLease(lease, ttlMs).catch(() => undefined),
          Math.max(50, ttlMs / 3),
        );
        turn.renewal.unref();
        return lease;
      }
      if (Date.now() >= deadline)
        throw new StoreUnavailableError(
          `session "${session.id}"'s lock stayed held by another instance for ${waitMs} ms`,
          'not-applied',
        );
      await sleep(wait);
    }
  }

  private release(session: RedisSession, turn: Turn): void {
    const lease = turn.lease;
    clearInterval(turn.renewal);
    turn.lease = turn.renewal = undefined;
    turn.releasedAt = Date.now();
    // A release that fails leaves the lock to its expiry.
    if (lease) void session.endLease(lease).catch(() => undefined);
  }

  /** The session to the next call of this process; the lock in Redis with it unless nobody waits, or another instance should have its turn. */
  private handOver(session: RedisSession, turn: Turn): void {
    const next = turn.queue.shift();
    const lease = turn.lease;
    if (lease) {
      const yieldNow = lease.othersWaiting && Date.now() - lease.since >= MIN_HOLD_MS;
      // Only a session in steady use lingers (LINGER_MS): one called now and then (one of many in use) lets go at once.
      if (lease.lost || yieldNow || (!next && lease.sections < 2 && !turn.steady)) this.release(session, turn);
      else if (!next) this.linger(session, turn);
      if (next && yieldNow) turn.yieldUntil = Date.now() + YIELD_MS;
    }
    if (next) next();
    else turn.busy = false;
  }

  /**
   * Keeps an idle session's lock up to LINGER_MS for its next call. Nothing is asked of Redis meanwhile: an
   * instance that asks for the lock now waits at most that long (one that asked before the last flush reached
   * Redis is let in at once, see run()). Asking every 2 ms cost a script per poll, several per call for a client
   * whose calls are a few ms apart. One timer per session.
   */
  private linger(session: RedisSession, turn: Turn): void {
    turn.idleSince = Date.now();
    if (turn.linger) return;
    const check = (): void => {
      turn.linger = undefined;
      const lease = turn.lease;
      if (turn.busy || !lease) return;
      const idle = Date.now() - turn.idleSince;
      if (lease.othersWaiting || lease.lost || idle >= LINGER_MS) return this.release(session, turn);
      turn.linger = setTimeout(check, LINGER_MS - idle);
    };
    turn.linger = setTimeout(check, LINGER_MS);
  }

  async run<T>(store: SessionStore, fn: () => Promise<T>): Promise<T> {
    const session = store as RedisSession;
    const turn = this.turnOf(session);
    if (turn.busy) await new Promise<void>((resolve) => turn.queue.push(resolve));
    else turn.busy = true;
    let result: T;
    let flushed: Promise<void> | undefined;
    try {
      if (!turn.lease || turn.lease.lost || session.leased !== turn.lease) {
        if (turn.lease) this.release(session, turn);
        await this.acquire(session, turn);
      }
      turn.lease!.sections++;
      try {
        result = await fn();
      } finally {
        // What the section wrote goes out before the next call starts (one connection keeps the order).
        flushed = session.flushLease(turn.lease);
      }
    } catch (e) {
      // The call fails with its own error; a failed flush is then only the lease's loss.
      void flushed?.catch(() => undefined);
      if (e instanceof StoreUnavailableError) this.release(session, turn);
      this.handOver(session, turn);
      throw e;
    }
    const lease = turn.lease;
    this.handOver(session, turn);
    // The call is answered only once Redis holds what it wrote.
    if (flushed) await flushed;
    // The flush said another instance waits, and the lock lingers for nobody here: let it go now.
    if (lease && lease === turn.lease && lease.othersWaiting && !turn.busy) this.release(session, turn);
    return result;
  }

  next(store: SessionStore): number | Promise<number> {
    return (store as RedisSession).nextOrder();
  }
}

export function redisSessionLock(options: RedisSessionLockOptions): SessionLock {
  return new RedisSessionLock(options);
}
