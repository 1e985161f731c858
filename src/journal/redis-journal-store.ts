/**
 * The journal's records in Redis (serve --redis): each session's in a stream under the session's hash tag, expiring
 * with the session; --journal-per-session and --journal-total held by one bookkeeping script (journal-total.lua) under
 * the prefix's tag, by the rules of eviction.ts. Records appended in one turn of the event loop go out together: one
 * script per session (add, renew expiry, publish to the event bus), then one for the caps. Delivery outcomes, which
 * settle after the answer, are a second entry merged into their record when read. What a record keeps is
 * journal-rules.ts's; knows nothing of HTTP.
 */
import { exactJson } from '../contract/exact-json.js';
import type { RedisConnection } from '../state/redis-connection.js';
import { sessionKeys } from '../state/redis-keys.js';
import { defineScripts, type Scripted } from '../state/lua-scripts.js';
import type { CallFilter, CallRecord } from './call-record.js';
import { indexOf, lastOf, matcher, mergeDeliveries, type DeliveriesLine, type Kept } from './journal-rules.js';
import type { JournalStore, JournalStoreStats } from './journal-store.js';

/** The journal's scripts (src/state/lua/journal-*.lua). */
const SCRIPTS = {
  cmJournal: { file: 'journal-append.lua', numberOfKeys: 2, expiry: true },
  cmJournalRecords: { file: 'journal-append-records.lua', numberOfKeys: 2, expiry: true },
  cmJournalTotal: { file: 'journal-total.lua', numberOfKeys: 4 },
  cmJournalTrim: { file: 'journal-trim.lua', numberOfKeys: 1 },
  cmJournalFoundGone: { file: 'journal-found-gone.lua', numberOfKeys: 2 },
  cmJournalClear: { file: 'journal-clear.lua', numberOfKeys: 4 },
};

export interface RedisJournalStoreOptions {
  maxPerSession: number;
  maxTotal: number;
  /** Expiry of a session's stream, renewed by each call (the store's session expiry). */
  ttlMs: number;
  /** Wall-clock time (ms) for the bookkeeping's idle sessions; default Date.now. */
  now?: () => number;
  /** The event bus's channel: every record added is published on it. */
  channel: string;
}

export class RedisJournalStore implements JournalStore {
  readonly keepsRaw = false;
  private readonly prefix: string;
  private readonly client: Scripted<keyof typeof SCRIPTS>;
  /** Records appended in this turn of the event loop, by session, sent together at its end (one script per session). */
  private batch: { bySession: Map<string, string[]>; order: string[] } | undefined;
  private batchDone: Promise<void> | undefined;
  /** --journal-total's bookkeeping of batches already in their streams, still on its way (reads and close() wait for it). */
  private readonly totals = new Set<Promise<void>>();
  /** The bookkeeping of both caps across every instance (journal-total.lua's keys): each session's count, last append and loss; the totals. */
  private readonly totalKeys: [sizes: string, touched: string, lost: string, counts: string];

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisJournalStoreOptions,
  ) {
    this.prefix = connection.options.prefix;
    this.client = defineScripts(connection.client, SCRIPTS);
    const p = `{${this.prefix}}`;
    // Keys of their own: the earlier `journal-order` list and `journal-counts` (one entry a record) are not read.
    this.totalKeys = [`${p}:journal-sizes`, `${p}:journal-touched`, `${p}:journal-lost`, `${p}:journal-totals`];
  }

  /** Resolves once Redis holds the record (and --journal-total counts it); records of one turn share the round trips. */
  add(record: CallRecord, text: string): Promise<void> {
    if (!this.batch) {
      const batch = (this.batch = { bySession: new Map(), order: [] });
      this.batchDone = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.send(batch));
    }
    let texts = this.batch.bySession.get(record.session);
    if (!texts) this.batch.bySession.set(record.session, (texts = []));
    texts.push(text);
    this.batch.order.push(record.session);
    return this.batchDone!;
  }

  /**
   * One turn's records: each session's in one script, in the order appended, resolved once every stream holds
   * them (any instance's /__mock/calls shows them then). The total cap over all of them, in that order too, follows
   * without the calls waiting for it: it is bookkeeping in another slot and one more round trip, a third of a
   * one-session call's wait. Reads on this instance wait for it (settled); another instance may list a few records
   * over the cap for that round trip. If it fails (Redis went away), those records are not counted in all;
   * --journal-per-session and the session's expiry still bound them.
   */
  private async send(batch: NonNullable<RedisJournalStore['batch']>): Promise<void> {
    if (this.batch === batch) this.batch = undefined;
    const sessions = [...batch.bySession];
    const { maxPerSession, ttlMs, channel } = this.options;
    await Promise.all(
      sessions.map(([session, texts]) => {
        const { journal: key, meta } = sessionKeys(this.prefix, session);
        // MAXLEN ~ 2× the cap is only a backstop (when the bookkeeping below fails): the caps are held by journal-total.lua and journal-trim.lua.
        return this.connection.run(
          this.client.cmJournalRecords(key, meta, 2 * maxPerSession, ttlMs, channel, ...texts),
        );
      }),
    );
    const appended = sessions.flatMap(([session, texts]) => [sessionKeys(this.prefix, session).journal, texts.length]);
    const total = this.holdCaps(appended).catch(() => undefined);
    this.totals.add(total);
    void total.finally(() => this.totals.delete(total));
  }

  /**
   * Resolves once this instance's --journal-total bookkeeping for what it appended so far has reached Redis (what
   * that evicted is gone). Only what is pending now: under steady traffic there always is more.
   */
  async settled(): Promise<void> {
    if (this.totals.size) await Promise.all([...this.totals]);
  }

  /**
   * Both caps across instances (journal-total.lua): each session's count grows by what it appended; the records it or
   * the largest session must give up are then deleted from their streams (journal-trim.lua, one script per stream).
   * Records that were gone already (cleared, expired with their session) are not counted as evicted nor lost.
   */
  private async holdCaps(appended: Array<string | number>): Promise<void> {
    const [sizes, touched, lost, counts] = this.totalKeys;
    const { maxTotal, maxPerSession, ttlMs } = this.options;
    const trims = (await this.connection.run(
      this.client.cmJournalTotal(
        sizes,
        touched,
        lost,
        counts,
        maxTotal,
        maxPerSession,
        (this.options.now ?? Date.now)(),
        ttlMs,
        ...appended,
      ),
    )) as Array<string | number>;
    await Promise.all(
      Array.from({ length: trims.length / 2 }, async (_, i) => {
        const key = String(trims[2 * i]);
        const n = Number(trims[2 * i + 1]);
        const missing = n - Number(await this.connection.run(this.client.cmJournalTrim(key, n)));
        if (missing) await this.connection.run(this.client.cmJournalFoundGone(lost, counts, key, missing));
      }),
    );
  }

  /** The outcomes as an entry of their own (field `d`), the record as it then stands published to every instance. */
  async addDeliveries(line: DeliveriesLine, settled: () => Kept): Promise<CallRecord> {
    const { kept, text } = settled();
    const { journal: key, meta } = sessionKeys(this.prefix, line.session);
    const { maxPerSession, ttlMs, channel } = this.options;
    await this.connection.run(
      this.client.cmJournal(key, meta, 2 * maxPerSession, 'd', exactJson.stringify(line), ttlMs, channel, text),
    );
    return kept;
  }

  async query(session: string, filter: CallFilter = {}): Promise<CallRecord[]> {
    await this.settled();
    const key = sessionKeys(this.prefix, session).journal;
    const entries = await this.connection.run(this.connection.client.xrange(key, '-', '+'));
    const records: CallRecord[] = [];
    const byId = new Map<string, CallRecord>();
    for (const [, [field, text]] of entries) {
      if (field === 'r') {
        const r = exactJson.parse(text!) as CallRecord;
        records.push(r);
        byId.set(r.id, r);
      } else {
        const line = exactJson.parse(text!) as DeliveriesLine;
        const r = byId.get(line.deliveriesOf);
        if (r) mergeDeliveries(r, line);
      }
    }
    const test = matcher(filter);
    const out = records.slice(Math.max(0, records.length - this.options.maxPerSession)).filter((r) => test(indexOf(r)));
    return lastOf(out, filter.limit);
  }

  async clear(session: string): Promise<number> {
    const n = (await this.query(session)).length;
    const key = sessionKeys(this.prefix, session).journal;
    await this.connection.run(this.connection.client.del(key));
    await this.connection.run(this.client.cmJournalClear(...this.totalKeys, key));
    return n;
  }

  /** Records the session lost to a cap since it was last cleared, across instances (once this instance's bookkeeping is in). */
  async lost(session: string): Promise<number> {
    await this.settled();
    const n = await this.connection.run(
      this.connection.client.hget(this.totalKeys[2], sessionKeys(this.prefix, session).journal),
    );
    return Math.max(0, Number(n ?? 0));
  }

  /**
   * The records kept and evicted by the caps across every instance (a record expired with its session is counted
   * until the bookkeeping drops its session, an expiry after its last call), the sessions counted and those that lost
   * records. While Redis does not answer: nothing counted.
   */
  async stats(): Promise<JournalStoreStats> {
    const base = { backend: 'redis', records: 0, bytes: 0, evicted: 0, queued: 0, sessions: 0 };
    await this.settled();
    const [sizes, , lost, counts] = this.totalKeys;
    try {
      const [[, c], [, sessions], [, withLoss]] = (await this.connection.run(
        this.connection.client.multi().hgetall(counts).zcard(sizes).hlen(lost).exec(),
      )) as [[unknown, Record<string, string>], [unknown, number], [unknown, number]];
      return {
        ...base,
        records: Math.max(0, Number(c['records'] ?? 0)),
        evicted: Number(c['evicted'] ?? 0),
        sessions,
        sessionsWithLoss: withLoss,
      };
    } catch {
      return base;
    }
  }

  /** Waits for the bookkeeping still on its way. */
  async close(): Promise<void> {
    while (this.totals.size) await this.settled();
  }
}
