/**
 * Store: the one interface handlers use for state. Every call is scoped to a session and may be async,
 * so a durable or shared backend (a file log, Redis) can replace the in-memory default without
 * touching a handler (handlers await every call). What the pipeline asks on every request (the clock,
 * the call counter, the active scenarios) may come back as a plain value: the in-memory store answers
 * at once, and awaiting only promises keeps the hot path free of microtask hops.
 */
import type { PersistenceFailure } from './append-line.js';

/** A session's whole state as plain JSON: what `GET /__mock/state` shows and what a backend persists. */
export interface SessionDump {
  /** collection name (`platform-sync:schools`) → key → record */
  collections: Record<string, Record<string, unknown>>;
  counters: Record<string, number>;
  /** How far this session's mock clock is ahead of the base clock, in ms. */
  clockOffsetMs: number;
}

/**
 * A session's reads and writes answered at once, when its records are in this process (memory, and memory with its
 * file): the same as SessionStore's, without a promise each. A handler that makes several reads and writes a call can
 * use it when it is there (`session.sync`) and await the SessionStore methods otherwise.
 */
export interface SyncSession {
  get<T>(collection: string, key: string): T | undefined;
  put<T>(collection: string, key: string, value: T): void;
  delete(collection: string, key: string): boolean;
}

export interface SessionStore {
  readonly id: string;
  /** The same reads and writes answered at once: present when the session's records are in this process. */
  readonly sync?: SyncSession;
  get<T>(collection: string, key: string): Promise<T | undefined>;
  put<T>(collection: string, key: string, value: T): Promise<void>;
  delete(collection: string, key: string): Promise<boolean>;
  list<T>(collection: string): T[] | Promise<T[]>;
  /** Next value of a per-session counter, starting at `start` (ids the mock assigns). */
  nextSeq(name: string, start?: number): number | Promise<number>;
  /** The session's mock clock, epoch ms. */
  now(): number | Promise<number>;
  advanceClock(seconds: number): Promise<number>;
  dump(): Promise<SessionDump>;
  /** Back to the seed state (records, counters, clock). */
  reset(): Promise<void>;
}

/** One change to a session, as a durable backend logs it; replaying the same list gives the same state. */
export type Mutation =
  | { op: 'put'; c: string; k: string; v: unknown }
  | { op: 'del'; c: string; k: string }
  /** A counter's new value (not the increment), so replays are idempotent. */
  | { op: 'seq'; name: string; value: number }
  | { op: 'clock'; offsetMs: number }
  | { op: 'reset' }
  | { op: 'load'; dump: SessionDump }
  | { op: 'drop' };

/** How full the session table is and how many sessions were evicted to make room (GET /__mock/health). */
export interface SessionStats {
  held: number;
  max: number;
  evicted: number;
  /** Bytes every session's records take (as --max-store-bytes counts them), when the backend counts them here. */
  bytes?: number;
  lastEviction?: { session: string; at: string };
}

export type OpenResult = { ok: true; session: SessionStore } | { ok: false; reason: string };

export interface Store {
  /**
   * Opens or creates a session; `ok: false` says why a new session cannot be had (the session limit).
   * In memory the answer is immediate; a shared store may have to ask (and then returns a promise).
   */
  open(id: string): OpenResult | Promise<OpenResult>;
  /** As open(), for callers past the pipeline's admission check; throws on a refused session. */
  session(id: string): SessionStore;
  sessionIds(): Promise<string[]>;
  /** Removes every session; the next request starts from the seed again. */
  clear(): Promise<void>;
  /** Sessions held and evicted, when the backend counts them (a shared store asks, and returns a promise). */
  stats?(): SessionStats | Promise<SessionStats>;
  /** Why a durable store cannot write its file (--state on a full disk), until a write succeeds again (health: degraded). */
  persistence?(): PersistenceFailure | undefined;
  /** Whether a shared store answers (health); absent for the in-process stores, which always do. */
  health?(): Promise<StoreHealth>;
  /** Flushes and lets go of the store (graceful shutdown). */
  close?(): void | Promise<void>;
}

/** The time source every session clock is an offset of; tests pass a fixed one. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(start: number): Clock & { set(ms: number): void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms) };
}

/** Which state limit refused a write: the serve flag that sets it, as `X-Mock-Limit` names it. */
export type StateLimit = 'max-records' | 'max-state-bytes' | 'max-store-bytes';

const LIMIT_MESSAGES: Record<StateLimit, (limit: number) => string> = {
  'max-records': (limit) =>
    `this session holds its maximum of ${limit} records; reset it (POST /__mock/reset) or start serve with a larger --max-records`,
  'max-state-bytes': (limit) =>
    `this write would take this session's records past their budget of ${limit} bytes; delete records, reset the session (POST /__mock/reset) or start serve with a larger --max-state-bytes`,
  'max-store-bytes': (limit) =>
    `this write would take the records of all sessions past their budget of ${limit} bytes; delete records, reset sessions (POST /__mock/reset) or start serve with a larger --max-store-bytes`,
};

/** A write past a state limit (records or bytes, of the session or of the whole store): refused before it is applied. */
export class StateLimitError extends Error {
  constructor(
    readonly limit: number,
    readonly rule: StateLimit = 'max-records',
  ) {
    super(LIMIT_MESSAGES[rule](limit));
    this.name = 'StateLimitError';
  }
}

/**
 * What is known of a write the store could not confirm: `not-applied` when it certainly did nothing (the store
 * refused it, or it was never sent), `unknown` when it may have been applied (a timeout, a lost connection).
 */
export type StoreOutcome = 'not-applied' | 'unknown';

/**
 * The shared store (Redis) did not answer in time, is unreachable or refuses commands, or a file the mock writes
 * (state.log, the journal) could not be written: the call is answered store-unavailable.
 */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    readonly outcome: StoreOutcome = 'unknown',
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** What `GET /__mock/health` says of the store. */
export interface StoreHealth {
  backend: string;
  status: 'up' | 'down';
  /** Why it is down. */
  error?: string;
}
