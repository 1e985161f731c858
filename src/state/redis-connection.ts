/**
 * One connection to the Redis that instances share (serve --redis), a single Redis or a Redis Cluster
 * (detected at start; redis-cluster.ts holds what is particular to one): parses the URL, bounds every
 * command in time, reconnects by itself, says whether the store is up (and why not: unreachable, or
 * refusing commands, or a failed cluster), and logs each change of that once. Knows nothing of sessions.
 */
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Redis, type Cluster, type RedisOptions as ClientOptions } from 'ioredis';
import { clusterClient, clusterHealth, type ClusterHealth } from './redis-cluster.js';
import { StoreUnavailableError } from './store.js';

export { redactedUrl, redisUrlProblem, refusalOf } from './redis-words.js';
import { isSeedList, redactedUrl, refusalOf } from './redis-words.js';

export interface RedisOptions {
  /**
   * `redis://[user:password@]HOST:PORT[/DB]` (or `rediss://`); for a Redis Cluster, any node's URL, or several
   * seed nodes separated by commas (`redis://h1:7001,h2:7002`: a bare `HOST:PORT` takes the first URL's
   * scheme and credentials).
   */
  url: string;
  /** Talk to a Redis Cluster (ioredis' Cluster routes each command to its slot's master); openRedisConnection asks the server. */
  cluster?: boolean;
  /** Namespace for every key, so several mocks can share one Redis (serve --redis-prefix). */
  prefix: string;
  /** How long one Redis command may take before the call it serves is answered store-unavailable (ms). */
  timeoutMs: number;
  /** Told once per change of state (down with the reason, up again), never per call. */
  log?: (message: string) => void;
}

export const DEFAULT_REDIS_PREFIX = 'contract-mock';
export const DEFAULT_REDIS_TIMEOUT_MS = 2000;

export interface RedisHealth {
  backend: 'redis';
  status: 'up' | 'down';
  url: string;
  prefix: string;
  /** Why it is down (the last connection error). */
  error?: string;
  /** On a Redis Cluster: what its nodes say (CLUSTER INFO), the worst state any of them reports. */
  cluster?: ClusterHealth;
}

/** How often a refusing Redis is asked again whether it accepts writes (ms): the mock recovers by itself. */
const PROBE_EVERY_MS = 1000;

export class RedisConnection {
  /**
   * The client every command goes through. On a cluster it is ioredis' Cluster, typed as a Redis: the commands,
   * scripts and transactions the store sends are the same (each touches one slot), and Cluster sends each to its
   * slot's master, following MOVED and ASK.
   */
  readonly client: Redis;
  /** The same client when it is a Cluster (health asks it about the nodes). */
  private readonly cluster: Cluster | undefined;
  /** Why the last command or connection attempt failed (a timeout, a lost connection); cleared by any success. */
  private lastError: string | undefined;
  /** Why Redis refuses commands (OOM, NOAUTH, READONLY...); cleared only when a write succeeds again. */
  private refusal: { code: string; reason: string } | undefined;
  private probing: NodeJS.Timeout | undefined;
  private closed = false;
  /** A connection that fails: when the other protocol (plaintext for rediss://, TLS for redis://) was last tried (at most every 10 s), and the mismatch it found. */
  private tlsCheckedAt = 0;
  private tlsMismatch: string | undefined;
  /** The state last logged ('up', 'unreachable', 'tls', or a refusal's code); logging starts once ready() has answered. */
  private reported: string | undefined;
  private readonly probeKey: string;
  private firstWait: Promise<boolean> | undefined;
  /** On a cluster, what its nodes said when health last asked. */
  private clusterHealth: ClusterHealth | undefined;
  /** A single-Redis connection answered MOVED (it is a cluster node that did not answer at start): said once. */
  private movedSaid = false;

  constructor(
    readonly options: RedisOptions,
    private readonly subscriber = false,
  ) {
    this.probeKey = `{${options.prefix}}:health`;
    const client: ClientOptions = {
      // Every command is bounded (queued while reconnecting too): a stopped Redis costs a call at most this long.
      commandTimeout: subscriber ? undefined : options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      connectionName: subscriber ? 'contract-mock-events' : 'contract-mock',
      // No auto-pipelining: the store and the journal already send one script per session per turn of the event
      // loop, and commands are pipelined on the one connection anyway (in order of issue). ioredis's per-tick
      // Pipeline cost more CPU than the writes it saved: 70 against 60 µs a call on (a), 127 against 96 with a
      // session per connection.
      enableAutoPipelining: false,
    };
    // Reconnect for ever, backing off to one attempt a second: the mock recovers by itself when Redis returns.
    const retryStrategy = (times: number): number => Math.min(times * 50, 1000);
    this.client = options.cluster
      ? (clusterClient(options, client, retryStrategy) as unknown as Redis)
      : new Redis(options.url, { ...client, retryStrategy, lazyConnect: false });
    this.cluster = options.cluster ? (this.client as unknown as Cluster) : undefined;
    this.client.on('error', (e: Error) => this.connectionFailed(e));
    this.client.on('ready', () => {
      this.lastError = this.tlsMismatch = undefined;
      this.note();
    });
    // A closed connection is not logged by itself (no 'close' listener): ioredis reconnects at once, and Redis closes
    // idle clients (its `timeout`). What fails while it is gone (a command, the next connection attempt) is.
  }

  /** Waits for the first connection, at most the command timeout; serve starts either way and recovers later. */
  async ready(): Promise<boolean> {
    const ok = await this.connected();
    // What start-up says (create-server logs a Redis that does not answer yet) is the state changes are logged from.
    this.reported ??= this.state();
    return ok;
  }

  /** Whether the first connection is made within the command timeout (at least 1 s), waited for once; logs nothing. */
  connected(): Promise<boolean> {
    return (this.firstWait ??= this.waitForConnection());
  }
  private async waitForConnection(): Promise<boolean> {
    return (
      this.client.status === 'ready' ||
      (await new Promise<boolean>((resolve) => {
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          this.client.off('ready', onReady);
          resolve(ok);
        };
        const onReady = (): void => done(true);
        const timer = setTimeout(() => done(false), Math.max(this.options.timeoutMs, 1000));
        this.client.once('ready', onReady);
      }))
    );
  }

  get up(): boolean {
    return this.client.status === 'ready' && this.lastError === undefined && this.refusal === undefined;
  }

  health(): RedisHealth {
    const failing = this.clusterHealth?.state === 'fail';
    return {
      backend: 'redis',
      status: this.up && !failing ? 'up' : 'down',
      url: redactedUrl(this.options.url),
      prefix: this.options.prefix,
      // A failed cluster is the cause of whatever else failed (a command timed out on a lost master): said first.
      ...(failing
        ? {
            error: `the Redis Cluster's state is fail (${this.clusterHealth!.slotsOk} of 16384 slots served, ${this.clusterHealth!.answering} nodes answering); calls are answered store-unavailable until it is ok${this.up ? '' : ` (${this.reason()})`}`,
          }
        : !this.up && { error: this.reason() }),
      ...(this.clusterHealth && { cluster: this.clusterHealth }),
    };
  }

  private reason(): string {
    return this.refusal
      ? `Redis refuses commands: ${this.refusal.reason}`
      : (this.lastError ?? `connection ${this.client.status}`);
  }

  /** up, or down for which kind of reason: what a log line is written for when it changes. */
  private state(): string {
    if (this.up) return 'up';
    if (this.refusal) return this.refusal.code;
    return this.tlsMismatch ? 'tls' : 'unreachable';
  }

  /** One log line per change of state, not per call: down (with the reason), down for another reason, up again. */
  private note(): void {
    if (this.reported === undefined) return;
    const state = this.state();
    if (state === this.reported) return;
    const was = this.reported;
    this.reported = state;
    const at = `contract-mock: Redis at ${redactedUrl(this.options.url)}`;
    this.options.log?.(
      state === 'up'
        ? `${at} is up again (it was ${was === 'unreachable' ? 'unreachable' : was === 'tls' ? 'not speaking TLS' : `refusing commands, ${was}`}); calls are served`
        : `${at} is down: ${this.reason()}; calls are answered store-unavailable until it ${this.refusal ? 'accepts writes' : 'answers'} again`,
    );
  }

  /** A command's result: success clears the last error (a stalled Redis that resumes is up again without a reconnect). */
  run<T>(command: Promise<T>): Promise<T> {
    // A cluster's command can wait beyond any one node's timeout (for the slots, for a replica to be promoted): held to the bound here.
    if (this.cluster) return this.bounded(command).then(this.succeeded as (v: T) => T, this.failed);
    return command.then(this.succeeded as (v: T) => T, this.failed);
  }
  private bounded<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `Command timed out after ${this.options.timeoutMs} ms on the Redis Cluster (no master answered for its slot)`,
            ),
          ),
        this.options.timeoutMs,
      );
    });
    command.catch(() => undefined);
    return Promise.race([command, late]).finally(() => clearTimeout(timer));
  }
  private readonly succeeded = <T>(value: T): T => {
    if (this.lastError !== undefined) {
      this.lastError = undefined;
      this.note();
    }
    return value;
  };
  private readonly failed = (e: unknown): never => {
    // A cluster node reached as a single Redis (the cluster did not answer when this instance started): an outage, said once.
    if ((e as Error)?.name === 'ReplyError' && /^(?:MOVED|ASK) \d+ /.test((e as Error).message))
      throw this.movedAsSingle(e as Error);
    // Redis answered with an error that is not a refusal: a bug in a command or script, not an outage.
    if ((e as Error)?.name === 'ReplyError' && !refusalOf(e)) throw e;
    throw this.unavailable(e);
  };

  /**
   * Asks Redis itself (bounded by the command timeout): what health reports. The question is a write (a
   * key under the prefix, expiring), since every call writes: a Redis that answers PING but refuses
   * writes (full, a replica, unable to save) is down for the mock.
   */
  async check(): Promise<RedisHealth> {
    await Promise.all([this.probe(), this.cluster && this.askCluster(this.cluster)]);
    return this.health();
  }

  /** What health says of a cluster: every node ioredis knows is asked CLUSTER INFO (each bounded by the command timeout). */
  private async askCluster(cluster: Cluster): Promise<void> {
    const answers = await Promise.all(
      cluster.nodes('all').map((node) => (node.call('CLUSTER', 'INFO') as Promise<string>).catch(() => undefined)),
    );
    this.clusterHealth = clusterHealth(answers.filter((a): a is string => typeof a === 'string'));
  }

  /** One write; its success ends a refusal (and the state is logged up again). */
  private async probe(): Promise<void> {
    try {
      await this.run(this.client.set(this.probeKey, '1', 'PX', 60_000));
    } catch {
      return; // recorded in lastError or refusal
    }
    if (this.refusal) {
      this.refusal = undefined;
      clearInterval(this.probing);
      this.probing = undefined;
      this.note();
    }
  }

  /**
   * Marks a command's failure as an outage: a refusal (the command did nothing), or a timeout or a lost
   * connection (the command may have been applied: its outcome is unknown).
   */
  unavailable(e: unknown): StoreUnavailableError {
    if (e instanceof StoreUnavailableError) return e;
    const at = `Redis at ${redactedUrl(this.options.url)}`;
    const refused = refusalOf(e);
    if (refused) {
      this.refuse(refused);
      return new StoreUnavailableError(`${at} refused the command: ${refused.reason}`, 'not-applied');
    }
    const message = (e as Error)?.message ?? String(e);
    // Timed out waiting for a connection: say why there is none (a refused password, a TLS mismatch, a closed port).
    // Its outcome is still unknown: ioredis keeps a timed-out command queued and sends it once connected (a lease's
    // writes are then refused by their fence if the lock expired meanwhile).
    if (this.client.status !== 'ready' && (this.refusal || this.lastError))
      return new StoreUnavailableError(`${at}: ${message} (no connection: ${this.reason()})`, 'unknown');
    this.lastError = message;
    this.note();
    return new StoreUnavailableError(`${at}: ${message}`, 'unknown');
  }

  private movedAsSingle(e: Error): StoreUnavailableError {
    const what = `Redis at ${redactedUrl(this.options.url)} is a node of a Redis Cluster (it answered "${e.message.slice(0, 80)}"), and this instance talks to it as a single Redis: the cluster did not answer when it started. Restart it (it detects the cluster at start), or give every node, comma-separated, in --redis`;
    if (!this.movedSaid) {
      this.movedSaid = true;
      this.options.log?.(`contract-mock: ${what}`);
    }
    return new StoreUnavailableError(what, 'not-applied');
  }

  private refuse(refused: { code: string; reason: string }): void {
    this.refusal = refused;
    this.note();
    // Asked again every second, so the mock is up again by itself once Redis accepts writes (health asks too);
    // not on the event stream's connection, which can only listen (what the store's connection finds is what counts).
    if (!this.probing && !this.subscriber && !this.closed) {
      this.probing = setInterval(() => void this.probe(), PROBE_EVERY_MS);
      this.probing.unref();
    }
  }

  /** The client's connection error, in words that name the likely cause. */
  private connectionFailed(e: Error & { code?: string }): void {
    const refused = refusalOf(e);
    if (refused) return this.refuse(refused);
    this.lastError = this.tlsMismatch ?? e.message;
    if (this.cluster || this.tlsMismatch || Date.now() - this.tlsCheckedAt < 10_000) return this.note();
    this.tlsCheckedAt = Date.now();
    // A plaintext server never completes a TLS handshake (it waits for a line): the connection times out or is cut.
    // A TLS server resets a plaintext connection. Either way the other protocol is tried once.
    const tls = this.options.url.startsWith('rediss:');
    const { hostname, port: given } = new URL(this.options.url);
    const port = Number(given || 6379);
    void this.otherProtocolAnswers(hostname.replace(/^\[|\]$/g, ''), port, !tls).then((other) => {
      if (!other) return;
      this.lastError = this.tlsMismatch = tls
        ? `the --redis URL says rediss:// (TLS) but the server at ${hostname}:${port} does not speak TLS (it answered a plaintext PING); give redis://${hostname}:${port}, or enable TLS on that port`
        : `the --redis URL says redis:// (plaintext) but the server at ${hostname}:${port} speaks TLS; give rediss://${hostname}:${port}`;
      this.note();
    });
    this.note();
  }

  /** Whether the address answers in the other protocol: a TLS handshake that completes, or a plaintext PING answered in RESP. */
  private otherProtocolAnswers(host: string, port: number, tls: boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (yes: boolean): void => {
        socket.destroy();
        resolve(yes);
      };
      const socket = tls
        ? tlsConnect(
            { host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false },
            () => done(true),
          )
        : createConnection({ host, port }, () => socket.write('PING\r\n'));
      if (!tls) socket.once('data', (d: Buffer) => done(/^[+\-$]/.test(d.toString('latin1'))));
      socket.setTimeout(Math.max(this.options.timeoutMs, 1000), () => done(false));
      socket.once('error', () => done(false));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probing);
    this.probing = undefined;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}

/**
 * A connection to the Redis at `options.url`, as a cluster client when it is one: a list of seed nodes is, and a
 * single URL is asked (INFO cluster, once at start). A Redis that does not answer within the command timeout is
 * taken as a single Redis (as before clusters were known): if it turns out to be a cluster node, calls are answered
 * store-unavailable saying to restart.
 */
export async function openRedisConnection(options: RedisOptions, subscriber = false): Promise<RedisConnection> {
  if (options.cluster !== undefined) return new RedisConnection(options, subscriber);
  if (isSeedList(options.url)) return new RedisConnection({ ...options, cluster: true }, subscriber);
  const single = new RedisConnection({ ...options, cluster: false }, subscriber);
  if (!(await single.connected())) return single;
  const info = await single.client.info('cluster').catch(() => '');
  if (!/^cluster_enabled:1/m.test(info)) return single;
  await single.close();
  const cluster = new RedisConnection({ ...options, cluster: true }, subscriber);
  await cluster.connected();
  return cluster;
}
