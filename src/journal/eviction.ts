/**
 * Journal eviction rules: which session gives up its oldest record when a cap is passed, and how many each lost;
 * knows nothing of how records are stored. A session over its own caps (--journal-per-session, the per-session
 * bytes) pays for its own growth; past a total cap (--journal-total, the byte total) the largest session pays
 * (most records for the record cap, most bytes for the byte cap, to 1/4096 of it; between equals, the one that has
 * been that large longest), so a flood of calls in some sessions never evicts a small one's records (issue 25, finding 5).
 */

export interface EvictionCaps {
  maxPerSession: number;
  maxTotal: number;
  maxBytes?: number;
  maxSessionBytes?: number;
}

/** One session's share of the journal, as the rules see it; the storage keeps its records beside it. */
export interface Share {
  readonly session: string;
  records: number;
  bytes: number;
  /** Records it gave up to a cap since it was last cleared. */
  lost: number;
  /** Its bucket in each ranking (records, bytes; -1: none) and its neighbours there. */
  bucket: [number, number];
  prev: [Share | undefined, Share | undefined];
  next: [Share | undefined, Share | undefined];
}

/**
 * Shares ranked by one weight in buckets (records: one a count; bytes: one per 1/4096 of the byte total), each
 * bucket a list in the order its shares entered it: the largest is the first of the highest bucket, so between
 * equals the one that has been that large longest. O(1) a change of one bucket, nothing when the bucket stays the
 * same; no ordering work on the request path beyond that.
 */
class Ranking {
  private readonly heads: Array<Share | undefined> = [];
  private readonly tails: Array<Share | undefined> = [];
  private max = -1;

  constructor(
    private readonly slot: 0 | 1,
    private readonly unit: number,
  ) {}

  top(): Share | undefined {
    return this.max < 0 ? undefined : this.heads[this.max];
  }

  /** Moves the share to the bucket its weight belongs in now (after it grew or shrank). */
  update(s: Share): void {
    const k = Math.floor((this.slot === 0 ? s.records : s.bytes) / this.unit);
    if (k === s.bucket[this.slot]) return;
    this.unlink(s);
    const tail = this.tails[k];
    s.bucket[this.slot] = k;
    s.prev[this.slot] = tail;
    if (tail) tail.next[this.slot] = s;
    else this.heads[k] = s;
    this.tails[k] = s;
    if (k > this.max) this.max = k;
    else this.settle();
  }

  remove(s: Share): void {
    this.unlink(s);
    this.settle();
  }

  private unlink(s: Share): void {
    const k = s.bucket[this.slot];
    if (k < 0) return;
    const prev = s.prev[this.slot];
    const next = s.next[this.slot];
    if (prev) prev.next[this.slot] = next;
    else this.heads[k] = next;
    if (next) next.prev[this.slot] = prev;
    else this.tails[k] = prev;
    s.bucket[this.slot] = -1;
    s.prev[this.slot] = s.next[this.slot] = undefined;
  }

  /** The highest bucket down to one that holds a share: weights move a bucket or a few at a time, so the walk down is paid for by the way up. */
  private settle(): void {
    while (this.max >= 0 && !this.heads[this.max]) this.max--;
  }
}

/** Sessions that gave up every record they had, kept for their `lost` count; at most this many (the oldest forgotten first). */
const EMPTIED_KEPT = 10_000;

export class EvictionRules {
  private readonly byRecords: Ranking;
  private readonly byBytes: Ranking;
  /** `lost` of sessions whose records are all gone (their shares dropped), newest last. */
  private readonly emptied = new Map<string, number>();
  records = 0;
  bytes = 0;
  /** Records given up to a cap, in all. */
  evicted = 0;

  constructor(private readonly caps: EvictionCaps) {
    this.byRecords = new Ranking(0, 1);
    this.byBytes = new Ranking(1, Math.max(1, Math.floor((caps.maxBytes ?? 0) / 4096)));
  }

  /** A new share for a session (its `lost` carried over when it lost every record before). */
  share(session: string): Share {
    const lost = this.emptied.get(session) ?? 0;
    if (lost) this.emptied.delete(session);
    return {
      session,
      records: 0,
      bytes: 0,
      lost,
      bucket: [-1, -1],
      prev: [undefined, undefined],
      next: [undefined, undefined],
    };
  }

  /** A record of `bytes` joined the share. */
  added(s: Share, bytes: number): void {
    s.records++;
    s.bytes += bytes;
    this.records++;
    this.bytes += bytes;
    this.byRecords.update(s);
    this.byBytes.update(s);
  }

  /** A kept record changed size (its deliveries settled). */
  resized(s: Share, delta: number): void {
    s.bytes += delta;
    this.bytes += delta;
    if (s.records) this.byBytes.update(s);
  }

  /**
   * The share that gives up its oldest record now, or undefined when every cap holds. `grown`: the share that just
   * grew, held by its own caps first.
   */
  victim(grown: Share): Share | undefined {
    const { maxPerSession, maxTotal, maxBytes } = this.caps;
    const sessionBytes = this.caps.maxSessionBytes ?? maxBytes;
    if (
      grown.records > maxPerSession ||
      (sessionBytes !== undefined && grown.bytes > sessionBytes && grown.records > 1)
    )
      return grown;
    if (this.records > maxTotal) return this.byRecords.top();
    if (maxBytes !== undefined && this.bytes > maxBytes && this.records > 1) return this.byBytes.top();
    return undefined;
  }

  /** The share gave up its oldest record (`bytes`) to a cap. */
  evict(s: Share, bytes: number): void {
    s.records--;
    s.bytes -= bytes;
    s.lost++;
    this.records--;
    this.bytes -= bytes;
    this.evicted++;
    if (s.records === 0) return this.forget(s);
    this.byRecords.update(s);
    this.byBytes.update(s);
  }

  /** The session was cleared (DELETE /__mock/calls, reset): its records (`s`, when it holds any) and what it lost are forgotten. */
  clear(session: string, s: Share | undefined): void {
    this.emptied.delete(session);
    if (!s) return;
    this.records -= s.records;
    this.bytes -= s.bytes;
    s.records = 0;
    s.bytes = 0;
    s.lost = 0;
    this.byRecords.remove(s);
    this.byBytes.remove(s);
  }

  /** Sessions whose records are all gone to a cap (and not cleared since). */
  get emptiedWithLoss(): number {
    return this.emptied.size;
  }

  /** An emptied share leaves the rankings; its `lost` is kept apart (bounded) for when the session is asked about or appends again. */
  private forget(s: Share): void {
    this.byRecords.remove(s);
    this.byBytes.remove(s);
    this.emptied.set(s.session, s.lost);
    if (this.emptied.size > EMPTIED_KEPT) this.emptied.delete(this.emptied.keys().next().value!);
  }

  /** Records a session lost to a cap since it was last cleared (its share, or one emptied before). */
  lost(session: string, s: Share | undefined): number {
    return s?.lost ?? this.emptied.get(session) ?? 0;
  }
}
