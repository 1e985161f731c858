/**
 * The session lock across instances (serve --redis): the in-process queue first (so one call per
 * instance waits on Redis), then a Redis key set with NX and an expiry, so a killed instance cannot
 * wedge a session for longer than the expiry. Released only by its holder (compare-and-delete).
 */
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-connection.js';
import { sessionKeys } from './redis-store.js';
import { sessionLock, type SessionLock } from './session-lock.js';
import { StoreUnavailableError, type SessionStore } from './store.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisSessionLockOptions {
  /** How long a holder keeps the lock at most (ms): a dead instance's lock is free after this. */
  ttlMs: number;
  /** How long a call waits for the lock before it is answered store-unavailable (ms). */
  waitMs: number;
}

export function redisSessionLock(connection: RedisConnection, options: RedisSessionLockOptions): SessionLock {
  const local = sessionLock();
  const client = connection.client;
  if (!('releaseLock' in client)) client.defineCommand('releaseLock', { numberOfKeys: 1, lua: RELEASE });
  const release = (client as unknown as { releaseLock(key: string, token: string): Promise<number> }).releaseLock.bind(client);
  const owner = randomBytes(6).toString('hex');
  let taken = 0;
  const prefix = connection.options.prefix;

  async function acquire(key: string, token: string): Promise<void> {
    const deadline = Date.now() + options.waitMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 16)) {
      if ((await connection.run(client.set(key, token, 'PX', options.ttlMs, 'NX'))) === 'OK') return;
      if (Date.now() >= deadline) throw new StoreUnavailableError(`the session lock ${key} stayed held for ${options.waitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  return {
    run<T>(session: SessionStore, fn: () => Promise<T>): Promise<T> {
      return local.run(session, async () => {
        const key = sessionKeys(prefix, session.id).lock;
        const token = `${owner}:${++taken}`;
        await acquire(key, token);
        try {
          return await fn();
        } finally {
          // A release that fails leaves the lock to its expiry.
          await release(key, token).catch(() => undefined);
        }
      });
    },
    next(session: SessionStore): Promise<number> {
      return connection.run(client.hincrby(sessionKeys(prefix, session.id).meta, 'order', 1));
    },
  };
}
