/**
 * One connection to the Redis that instances share (serve --redis): parses the URL, bounds every
 * command in time, reconnects by itself, and says whether the store is up. Knows nothing of sessions.
 */
import { Redis } from 'ioredis';
import { StoreUnavailableError } from './store.js';

export interface RedisOptions {
  /** `redis://[user:password@]HOST:PORT[/DB]` (or `rediss://`). */
  url: string;
  /** Namespace for every key, so several mocks can share one Redis (serve --redis-prefix). */
  prefix: string;
  /** How long one Redis command may take before the call it serves is answered store-unavailable (ms). */
  timeoutMs: number;
}

export const DEFAULT_REDIS_PREFIX = 'contract-mock';
export const DEFAULT_REDIS_TIMEOUT_MS = 2000;

/** A URL's problem in words, or undefined when serve can use it. */
export function redisUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL; give redis://HOST:PORT[/DB]`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return `"${parsed.protocol}" is not redis: or rediss:; give redis://HOST:PORT[/DB]`;
  const db = parsed.pathname.replace(/^\//, '');
  if (db && !/^\d{1,2}$/.test(db)) return `the database "${db}" must be a number (redis://HOST:PORT/0)`;
  return undefined;
}

/** The URL without its password, for logs and health. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export interface RedisHealth {
  backend: 'redis';
  status: 'up' | 'down';
  url: string;
  prefix: string;
  /** Why it is down (the last connection error). */
  error?: string;
}

export class RedisConnection {
  readonly client: Redis;
  private lastError: string | undefined;

  constructor(readonly options: RedisOptions, subscriber = false) {
    this.client = new Redis(options.url, {
      // Every command is bounded (queued while reconnecting too): a stopped Redis costs a call at most this long.
      commandTimeout: subscriber ? undefined : options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      maxRetriesPerRequest: null,
      // Reconnect for ever, backing off to one attempt a second: the mock recovers by itself when Redis returns.
      retryStrategy: (times) => Math.min(times * 50, 1000),
      lazyConnect: false,
      enableReadyCheck: true,
      connectionName: subscriber ? 'contract-mock-events' : 'contract-mock',
      // No auto-pipelining: the store and the journal already send one script per session per turn of the event
      // loop, and commands are pipelined on the one connection anyway (in order of issue). ioredis's per-tick
      // Pipeline cost more CPU than the writes it saved: 70 against 60 µs a call on (a), 127 against 96 with a
      // session per connection.
      enableAutoPipelining: false,
    });
    this.client.on('error', (e: Error) => (this.lastError = e.message));
    this.client.on('ready', () => (this.lastError = undefined));
  }

  /** Waits for the first connection, at most the command timeout; serve starts either way and recovers later. */
  async ready(): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), Math.max(this.options.timeoutMs, 1000));
      this.client.once('ready', onReady);
    });
  }

  get up(): boolean {
    return this.client.status === 'ready' && this.lastError === undefined;
  }

  health(): RedisHealth {
    return {
      backend: 'redis',
      status: this.up ? 'up' : 'down',
      url: redactedUrl(this.options.url),
      prefix: this.options.prefix,
      ...(!this.up && { error: this.lastError ?? `connection ${this.client.status}` }),
    };
  }

  /** A command's result: success clears the last error (a stalled Redis that resumes is up again without a reconnect). */
  run<T>(command: Promise<T>): Promise<T> {
    return command.then(this.succeeded as (v: T) => T, this.failed);
  }
  private readonly succeeded = <T>(value: T): T => {
    this.lastError = undefined;
    return value;
  };
  private readonly failed = (e: unknown): never => {
    // Redis answered with an error: a bug in a command or script, not an outage.
    if ((e as Error)?.name === 'ReplyError') throw e;
    throw this.unavailable(e);
  };

  /** Asks Redis itself (bounded by the command timeout): what health reports. */
  async check(): Promise<RedisHealth> {
    try {
      await this.run(this.client.ping());
    } catch {
      /* recorded in lastError */
    }
    return this.health();
  }

  /** Marks a command's failure: a timeout or a lost connection becomes StoreUnavailableError. */
  unavailable(e: unknown): StoreUnavailableError {
    const message = (e as Error)?.message ?? String(e);
    this.lastError = message;
    return e instanceof StoreUnavailableError ? e : new StoreUnavailableError(`Redis at ${redactedUrl(this.options.url)}: ${message}`);
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
