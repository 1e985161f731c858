/**
 * Session lock: one call of a session at a time through the parts of the walk that read, modify and
 * write its state (scenario hit counts, handlers), and the order in which its handlers ran. This
 * in-process lock is the default; a shared backend wraps it with one that holds across instances.
 */
import type { SessionStore } from './store.js';

export interface SessionLock {
  /** Runs `fn` alone among this session's calls. */
  run<T>(session: SessionStore, fn: () => Promise<T>): Promise<T>;
  /** The session's next handler number (1, 2, ...): the `order` of the call's record. Called under the lock. */
  next(session: SessionStore): number | Promise<number>;
}

/** A session's queue: `null` while free; the calls waiting their turn while busy. And how many handlers it has run. */
interface Queue {
  waiting: Array<() => void> | null;
  order: number;
}

/** The next call inherits the busy session; with nobody waiting it is free. */
function release(lock: Queue): void {
  const next = lock.waiting!.shift();
  if (next) next();
  else lock.waiting = null;
}

/**
 * `fn` run while holding the lock, which is let go once its promise settles (or at once if it throws), before the
 * caller resumes. Not an async function: `return await fn()` in a try/finally cost two promises and a resume a call.
 */
function holding<T>(lock: Queue, fn: () => Promise<T>): Promise<T> {
  let running: Promise<T>;
  try {
    running = fn();
  } catch (e) {
    release(lock);
    return Promise.reject(e as Error);
  }
  return running.then(
    (value) => (release(lock), value),
    (e: unknown) => {
      release(lock);
      throw e;
    },
  );
}

/**
 * Per-session mutual exclusion in this process (a FIFO of waiters per busy session). Kept per
 * session object, so a session the store drops takes its queue along.
 */
export function sessionLock(): SessionLock & {
  run<T>(session: SessionStore, fn: () => Promise<T>): Promise<T>;
  next(session: SessionStore): number;
} {
  const queues = new WeakMap<SessionStore, Queue>();
  /** The waiting list of a busy session nobody waits on (shared: it is never pushed to). */
  const NONE: Array<() => void> = [];
  const queueOf = (session: SessionStore): Queue => {
    let queue = queues.get(session);
    if (!queue) queues.set(session, (queue = { waiting: null, order: 0 }));
    return queue;
  };
  return {
    run<T>(session: SessionStore, fn: () => Promise<T>): Promise<T> {
      const lock = queueOf(session);
      if (lock.waiting === null) {
        // Uncontended (the common case): `fn` at once, the lock let go when its promise settles; no frame of our own.
        lock.waiting = NONE;
        return holding(lock, fn);
      }
      if (lock.waiting === NONE) lock.waiting = [];
      const queue = lock.waiting;
      return new Promise<void>((resolve) => queue.push(resolve)).then(() => holding(lock, fn));
    },
    next(session: SessionStore): number {
      return ++queueOf(session).order;
    },
  };
}
