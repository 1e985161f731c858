/**
 * The shared backends of `serve --redis`: store, journal and session lock on one Redis (or Redis Cluster).
 * Loaded by backends.ts only when --redis is given, so an in-memory start never loads ioredis.
 */
import { RedisJournal, sharedMaskKey } from '../journal/redis-journal.js';
import { SecretMask } from '../journal/secret-mask.js';
import {
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_TIMEOUT_MS,
  openRedisConnection,
  redisUrlProblem,
  type RedisOptions,
} from '../state/redis-connection.js';
import { RedisStore, DEFAULT_SESSION_TTL_MS } from '../state/redis-store.js';
import { redisSessionLock } from '../state/redis-session-lock.js';
import type { JournalOptions } from '../journal/journal.js';
import type { Backends, StoreOptions } from './backends.js';
import type { MockOptions } from './create-mock.js';

export async function redisBackends(
  options: MockOptions,
  storeOptions: StoreOptions,
  journalOptions: JournalOptions,
): Promise<Backends> {
  const redis = redisOptions(options.redis!);
  // A Redis Cluster (a list of seed nodes, or a node that says so) gets ioredis' Cluster client.
  const connection = await openRedisConnection({ ...redis, log: options.log ?? console.error });
  if (!(await connection.ready()))
    (options.log ?? console.error)(
      `contract-mock: Redis at ${connection.health().url} is not ready (${connection.health().error}); calls are answered store-unavailable until it is`,
    );
  const ttlMs = redis.sessionTtlMs;
  // One mask key for every instance on this Redis, so a secret masks the same way on all of them.
  const maskKey = options.journal?.mask ? undefined : await sharedMaskKey(connection);
  if (maskKey) journalOptions.mask = new SecretMask(maskKey, options.contract.secretNames);
  else if (!options.journal?.mask)
    (options.log ?? console.error)(
      'contract-mock: the shared mask key could not be read from Redis; this instance masks secrets with a key of its own',
    );
  const store = new RedisStore({ ...storeOptions, connection, sessionTtlMs: ttlMs });
  const { file: _file, restore: _restore, ...shared } = journalOptions;
  const journal = new RedisJournal(connection, { ...shared, ttlMs });
  // A holder keeps the lock at most 3 command timeouts; a waiter gives up after the holder's time plus one.
  const locks = redisSessionLock({ ttlMs: 3 * redis.timeoutMs, waitMs: 4 * redis.timeoutMs });
  return { store, journal, locks };
}

/** The Redis options with their defaults, a caller's mistake (a script passes no types) refused by name before anything connects. */
function redisOptions(given: NonNullable<MockOptions['redis']>): RedisOptions & { sessionTtlMs: number } {
  const problem = typeof given.url === 'string' ? redisUrlProblem(given.url) : 'it must be a string';
  if (problem) throw new TypeError(`redis.url: ${problem}`);
  const out = {
    url: given.url,
    prefix: given.prefix ?? DEFAULT_REDIS_PREFIX,
    timeoutMs: given.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS,
    sessionTtlMs: given.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
  };
  for (const k of ['timeoutMs', 'sessionTtlMs'] as const) {
    if (!Number.isFinite(out[k]) || out[k] <= 0)
      throw new TypeError(`redis.${k} must be a positive number of milliseconds (got ${String(given[k])})`);
  }
  if (typeof out.prefix !== 'string' || out.prefix === '')
    throw new TypeError('redis.prefix must be a non-empty string');
  return out;
}
