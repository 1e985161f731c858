/**
 * --max-store-bytes on Redis: every session's bytes together, across instances. Each session's exact count lives in
 * its own meta hash (redis-store.ts), in its own Cluster slot, so no script can add them up as it writes; instead each
 * instance reports a session's count to one shared hash (`{prefix}:bytes`) when it has moved by a step since the last
 * report, and the hash is summed now and then (store-bytes.lua, dropping sessions that expired or were evicted). So the total is known
 * to within a step per session and a few seconds of other instances' writes. Knows nothing of records or of HTTP.
 */
import type { Redis } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';
import { StateLimitError } from './store.js';

/** How often the shared total is summed again while writes arrive (the sum walks every session's entry). */
const REFRESH_MS = 5000;

/** What the tally needs of a session handle: its id and the count this instance last reported for it. */
export interface ReportedSession {
  readonly id: string;
  reportedBytes: number;
}

export class RedisStoreBytes {
  /** The sum as last read, when, and the growth this instance admitted since. */
  private total = 0;
  private refreshedAt = 0;
  private growth = 0;
  private refreshing: Promise<void> | undefined;
  /** A session's count is reported when it moved this much: a 64th of the budget, at most 16 KiB. */
  private readonly step: number;

  constructor(
    private readonly redis: Redis & { cmStoreBytes(...args: Array<string | number>): Promise<unknown> },
    private readonly connection: RedisConnection,
    /** The bytes hash, the sessions used again and used once (one hash tag: one slot). */
    private readonly keys: { bytes: string; index: string; once: string },
    readonly max: number,
  ) {
    this.step = Math.max(1, Math.min(16 * 1024, Math.floor(max / 64)));
  }

  /**
   * Before a write of a record of `size` bytes (counted whole, as if new): refused (StateLimitError) when the store
   * would pass its budget. Near it, the sum every instance reported decides, and `old` (the record's size before, when
   * the caller knows it) lets a write that does not grow the store through.
   */
  admit(size: number, old?: () => number): void | Promise<void> {
    // A sum older than REFRESH_MS (or none yet) is read again first: one round trip every few seconds of writes.
    if (Date.now() - this.refreshedAt <= REFRESH_MS && this.total + this.growth + size <= this.max) {
      this.growth += size;
      return;
    }
    return this.refresh().then(() => {
      const grow = size - (old?.() ?? 0);
      if (grow > 0 && this.total + this.growth + grow > this.max)
        throw new StateLimitError(this.max, 'max-store-bytes');
      this.growth += Math.max(0, grow);
    });
  }

  /** A session's count as Redis answered it after a write: reported once it moved by a step. */
  report(session: ReportedSession, bytes: number): void {
    if (Math.abs(bytes - session.reportedBytes) < this.step) return;
    session.reportedBytes = bytes;
    this.connection.run(this.redis.hset(this.keys.bytes, session.id, bytes)).catch(() => undefined);
  }

  /** A session dropped (evicted, cleared): its entry goes with it. */
  forget(id: string): Promise<unknown> {
    return this.connection.run(this.redis.hdel(this.keys.bytes, id));
  }

  /**
   * Sums the shared hash again (one script at a time per instance). The growth admitted before the script was sent
   * is in the sum once its writes were reported (reports follow each write on the same connection); what was admitted
   * while it ran is kept.
   */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const counted = this.growth;
    this.refreshing = this.connection
      .run(this.redis.cmStoreBytes(this.keys.bytes, this.keys.index, this.keys.once))
      .then(
        (total) => {
          this.total = Number(total);
          this.growth = Math.max(0, this.growth - counted);
          this.refreshedAt = Date.now();
        },
        // The hash's node is down (a Cluster master failing over, or Redis itself): the budget is approximate by
        // design, so writes go on against the last sum (plus what this instance admitted since) rather than fail
        // with it; the write itself fails when its own session's node is down. Asked again after REFRESH_MS.
        () => {
          this.refreshedAt = Date.now();
        },
      )
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }
}
