/**
 * A session lease: what one instance knows of a session while it holds the session's lock in Redis
 * (serve --redis). Every write to a session happens under its lock, so while the lease lasts this
 * instance is the session's only writer: its reads are served from what it has read or written
 * since the lease began, and its writes are queued and sent as one fenced script for the locked
 * sections that end in one turn of the event loop (redis-store.ts), the last value of each record only. Dropped when the lock is released or lost. Knows
 * nothing of Redis commands or of HTTP.
 */

import { exactJson } from '../contract/exact-json.js';

/** A key known to be absent (deleted, or not in a collection read whole). */
export const ABSENT: unique symbol = Symbol('absent');

/**
 * Most misses (keys read and found absent) a lease remembers at once. A lease lasts as long as its session is in
 * steady use, hours perhaps; a client presenting ever new unknown tokens must not grow it without end.
 */
export const MAX_REMEMBERED_MISSES = 1024;

/** A pending write's key in `writes`: its collection and record key (one place, so put, delete and forgetMisses agree). */
const writeKey = (collection: string, key: string): string => `${collection}\u0000${key}`;

export interface LeasedCollection {
  /** Read whole from Redis: a key missing here is absent. */
  complete: boolean;
  entries: Map<string, unknown | typeof ABSENT>;
}

export class SessionLease {
  readonly collections = new Map<string, LeasedCollection>();
  /** The session's meta hash (`clock`, `records`, `order`, `n:NAME`) as numbers, read when the lease began. */
  readonly meta = new Map<string, number>();
  /** Writes not yet sent: each record's last value (ABSENT: deleted) by collection and key, and each meta field's. */
  private writes = new Map<string, [collection: string, key: string, value: unknown]>();
  private metaWrites = new Map<string, number>();
  /** Puts of keys whose presence in Redis was unknown: `meta.records` plus these bounds the true count. */
  possiblyNew = 0;
  /**
   * Bytes of the records put since the last flush, and of those sent and not yet answered, each counted whole (as if
   * new): `meta.bytes` (the session's bytes as Redis last answered) plus these bounds the session's true bytes.
   */
  pendingBytes = 0;
  private inFlightBytes = 0;
  /** What the last take() moved from pending to in flight (its flush hands it back to applied()). */
  sentBytes = 0;
  /** Misses remembered since they were last forgotten (an upper bound: a miss written since is still counted). */
  private misses = 0;
  /** Locked sections run under this lease so far. */
  sections = 0;
  /** Another instance asked for the lock (the last flush or renewal said so). */
  othersWaiting = false;
  /** Redis no longer holds this lease's token (expired, taken over, or a write failed): not to be used again. */
  lost = false;
  readonly since = Date.now();

  constructor(
    /** The value of the lock key while this lease holds it (the fence every write checks). */
    readonly token: string,
    meta: Record<string, string>,
    /** The instance (lock owner) that held the session's lock before this lease, when Redis knows it. */
    readonly previousOwner?: string,
  ) {
    for (const [field, value] of Object.entries(meta)) this.meta.set(field, Number(value));
  }

  collection(name: string): LeasedCollection {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = { complete: false, entries: new Map() }));
    return c;
  }

  /** A key's cached value, ABSENT, or undefined when this lease does not know it. */
  known(name: string, key: string): unknown | typeof ABSENT | undefined {
    const c = this.collections.get(name);
    if (!c) return undefined;
    const v = c.entries.get(key);
    if (v !== undefined) return v;
    return c.complete ? ABSENT : undefined;
  }

  /** Fills the cache from a read issued earlier: what this lease wrote since wins. */
  learn(name: string, key: string, value: unknown | typeof ABSENT): void {
    const c = this.collection(name);
    if (c.entries.has(key)) return;
    if (value === ABSENT && ++this.misses > MAX_REMEMBERED_MISSES) this.forgetMisses();
    c.entries.set(key, value);
  }

  /** Drops the remembered misses (read again from Redis when asked for), but for deletes not yet sent. */
  private forgetMisses(): void {
    for (const [name, c] of this.collections) {
      if (c.complete) continue;
      for (const [key, v] of c.entries)
        if (v === ABSENT && !this.writes.has(writeKey(name, key))) c.entries.delete(key);
    }
    this.misses = 1;
  }

  /** Fills a collection from a whole read: what this lease wrote since wins. */
  learnAll(name: string, values: Map<string, unknown>): void {
    const c = this.collection(name);
    for (const [k, v] of values) if (!c.entries.has(k)) c.entries.set(k, v);
    c.complete = true;
  }

  put(name: string, key: string, value: unknown): void {
    this.collection(name).entries.set(key, value);
    this.writes.set(writeKey(name, key), [name, key, value]);
  }

  delete(name: string, key: string): void {
    this.collection(name).entries.set(key, ABSENT);
    this.writes.set(writeKey(name, key), [name, key, ABSENT]);
  }

  /** Sets a meta field (a counter, the order, the clock) here and in Redis at the next flush. */
  setMeta(field: string, value: number): void {
    this.meta.set(field, value);
    this.metaWrites.set(field, value);
  }

  /** Whether there are writes to send. */
  get dirty(): boolean {
    return this.writes.size > 0 || this.metaWrites.size > 0;
  }

  /** The writes to send as the flush script's arguments (`p c k json`, `d c k`, `m field value`), and none pending after. */
  take(): Array<string | number> {
    const ops: Array<string | number> = [];
    // Serialised now, once per record however often it was written since the last flush.
    for (const [c, k, v] of this.writes.values()) {
      if (v !== ABSENT) ops.push('p', c, k, exactJson.stringify(v));
      else {
        ops.push('d', c, k);
        // Deleted in Redis by this script, which reaches Redis before any later read (one connection keeps the
        // order): the lease need not remember the key, so deleting records one by one does not grow it.
        this.collections.get(c)?.entries.delete(k);
      }
    }
    for (const [field, value] of this.metaWrites) ops.push('m', field, value);
    this.writes = new Map();
    this.metaWrites = new Map();
    this.sentBytes = this.pendingBytes;
    this.inFlightBytes += this.pendingBytes;
    this.pendingBytes = 0;
    return ops;
  }

  /** An upper bound of the session's bytes in Redis once this lease's writes are applied. */
  get bytesBound(): number {
    return (this.meta.get('bytes') ?? 0) + this.inFlightBytes + this.pendingBytes;
  }

  /** A flush that carried `sent` bytes was applied, and Redis counts `bytes` for the session now. */
  applied(sent: number, bytes: number): void {
    this.inFlightBytes = Math.max(0, this.inFlightBytes - sent);
    this.meta.set('bytes', bytes);
  }

  /** After a reset in Redis: nothing known but the seed's count and bytes and a zero clock. */
  forget(records: number, bytes: number): void {
    this.collections.clear();
    this.meta.clear();
    this.meta.set('clock', 0);
    this.meta.set('records', records);
    this.meta.set('bytes', bytes);
    this.possiblyNew = 0;
    this.pendingBytes = this.inFlightBytes = 0;
  }
}
