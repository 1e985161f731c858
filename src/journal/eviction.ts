/**
 * Journal eviction rules: which session gives up its oldest record when a cap is passed, and how many each lost;
 * knows nothing of how records are stored. A session over its own caps (--journal-per-session, the per-session
 * bytes) pays for its own growth; past a total cap (--journal-total, the byte total) the largest session pays
 * (most records for the record cap, most bytes for the byte cap; between equals, the one holding the oldest
 * record), so a flood of calls in some sessions never evicts a small one's records (issue 25, finding 5).
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
  /** The order (append sequence) of its oldest record kept; what breaks ties between equally large sessions. */
  oldest: number;
  /** Records it gave up to a cap since it was last cleared. */
  lost: number;
  /** Its places in the two heaps (-1: in neither, no records). */
  at: [number, number];
}

type Weight = 'records' | 'bytes';

/** A max-heap of shares by one weight (ties: the oldest record first), each share knowing its place: O(log n) updates. */
class LargestFirst {
  private readonly heap: Share[] = [];
  constructor(
    private readonly weight: Weight,
    private readonly slot: 0 | 1,
  ) {}

  top(): Share | undefined {
    return this.heap[0];
  }

  private above(a: Share, b: Share): boolean {
    const wa = a[this.weight];
    const wb = b[this.weight];
    return wa > wb || (wa === wb && a.oldest < b.oldest);
  }

  private place(s: Share, i: number): void {
    this.heap[i] = s;
    s.at[this.slot] = i;
  }

  /** Puts the share where its weight belongs (after it was added, or its weight or oldest record changed). */
  update(s: Share): void {
    let i = s.at[this.slot];
    if (i < 0) {
      i = this.heap.length;
      this.place(s, i);
    }
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = this.heap[parent]!;
      if (!this.above(s, p)) break;
      this.place(p, i);
      i = parent;
    }
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.heap.length) break;
      const r = l + 1;
      const c = r < this.heap.length && this.above(this.heap[r]!, this.heap[l]!) ? r : l;
      if (!this.above(this.heap[c]!, s)) break;
      this.place(this.heap[c]!, i);
      i = c;
    }
    this.place(s, i);
  }

  remove(s: Share): void {
    const i = s.at[this.slot];
    if (i < 0) return;
    s.at[this.slot] = -1;
    const last = this.heap.pop()!;
    if (last !== s) {
      this.place(last, i);
      this.update(last);
    }
  }
}

/** Sessions that gave up every record they had, kept for their `lost` count; at most this many (the oldest forgotten first). */
const EMPTIED_KEPT = 10_000;

export class EvictionRules {
  private readonly byRecords = new LargestFirst('records', 0);
  private readonly byBytes = new LargestFirst('bytes', 1);
  /** `lost` of sessions whose records are all gone (their shares dropped), newest last. */
  private readonly emptied = new Map<string, number>();
  records = 0;
  bytes = 0;
  /** Records given up to a cap, in all. */
  evicted = 0;

  constructor(private readonly caps: EvictionCaps) {}

  /** A new share for a session (its `lost` carried over when it lost every record before). */
  share(session: string): Share {
    const lost = this.emptied.get(session) ?? 0;
    if (lost) this.emptied.delete(session);
    return { session, records: 0, bytes: 0, oldest: 0, lost, at: [-1, -1] };
  }

  /** A record of `bytes` (appended as number `seq`) joined the share. */
  added(s: Share, bytes: number, seq: number): void {
    if (s.records === 0) s.oldest = seq;
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
    if (grown.records > maxPerSession || (sessionBytes !== undefined && grown.bytes > sessionBytes && grown.records > 1)) return grown;
    if (this.records > maxTotal) return this.byRecords.top();
    if (maxBytes !== undefined && this.bytes > maxBytes && this.records > 1) return this.byBytes.top();
    return undefined;
  }

  /** The share gave up its oldest record (`bytes`) to a cap; `next`: the sequence of its oldest record now. */
  evict(s: Share, bytes: number, next: number | undefined): void {
    s.records--;
    s.bytes -= bytes;
    s.lost++;
    this.records--;
    this.bytes -= bytes;
    this.evicted++;
    if (s.records === 0) return this.forget(s);
    if (next !== undefined) s.oldest = next;
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

  /** An emptied share leaves the heaps; its `lost` is kept apart (bounded) for when the session is asked about or appends again. */
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
