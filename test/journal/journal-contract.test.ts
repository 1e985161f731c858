/**
 * The journal contract: one table of cases run against every journal (memory, memory with its NDJSON
 * file, Redis), so `/__mock/calls` and `/__mock/verify` answer the same whichever serve flags run.
 * Then what only the shared journal promises: a second instance sees every record at once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CallRecord } from '../../src/journal/call-record.js';
import { sampleRecord } from '../helpers/sample-record.js';
import { Journal, type CallJournal } from '../../src/journal/journal.js';
import { RedisJournal } from '../../src/journal/redis-journal.js';
import { RedisConnection } from '../../src/state/redis-connection.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

// The contract cases carry a Chinese field, as real records do.
const record = (session: string, over: Partial<CallRecord> = {}): CallRecord => sampleRecord(session, over, { 学校名称: '第一中学' });

let redis: TestRedis | undefined;
/** Three masters and three replicas: the same cases on a Redis Cluster (sessions' streams on every master). */
let cluster: TestRedisCluster | undefined;
const connections: RedisConnection[] = [];
let prefixes = 0;
const redisJournal = (prefix: string, maxPerSession = 100, maxTotal = 1000, on: 'single' | 'cluster' = 'single'): RedisJournal => {
  const connection = new RedisConnection(on === 'cluster' ? { url: cluster!.seeds, prefix, timeoutMs: 2000, cluster: true } : { url: redis!.url, prefix, timeoutMs: 2000 });
  connections.push(connection);
  return new RedisJournal(connection, { maxPerSession, maxTotal, ttlMs: 60_000 });
};

beforeAll(async () => {
  if (!SKIP_WITHOUT_REDIS) [redis, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
}, 60_000);
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

const journals: Array<[string, (maxPerSession?: number, maxTotal?: number) => CallJournal]> = [
  ['memory', (max = 100, total = 1000) => new Journal({ maxPerSession: max, maxTotal: total })],
  ['memory + file', (max = 100, total = 1000) => new Journal({ maxPerSession: max, maxTotal: total, file: join(mkdtempSync(join(tmpdir(), 'cm-jc-')), 'journal.ndjson') })],
  ['redis', (max = 100, total = 1000) => redisJournal(`jc-${++prefixes}`, max, total)],
  ['redis cluster', (max = 100, total = 1000) => redisJournal(`jc-${++prefixes}`, max, total, 'cluster')],
];

/** Resolves with the first record a listener gets (events may arrive after append resolves: Redis pub/sub). */
const nextEvent = (j: CallJournal): Promise<CallRecord> =>
  new Promise((resolve) => {
    const off = j.subscribe((r) => (off(), resolve(r)));
  });

describe.each(journals)('journal contract: %s', (name, make) => {
  const skip = name.startsWith('redis') && SKIP_WITHOUT_REDIS;

  test.skipIf(skip)('an appended record is returned whole, in order, per session', async () => {
    const j = make();
    const a = record('a');
    await j.append(a);
    await j.append(record('b'));
    await j.append(record('a', { id: 'a-2' }));
    expect(await j.query('a')).toEqual([a, expect.objectContaining({ id: 'a-2' })]);
    expect((await j.query('b')).length).toBe(1);
    expect(await j.query('nobody')).toEqual([]);
  });

  test.skipIf(skip)('filters: api, operationId, method, path, since, limit, violations only', async () => {
    const j = make();
    await j.append(record('f', { id: 'token', time: '2026-11-22T06:00:00.000Z' }));
    await j.append(record('f', { id: 'school', api: 'wuhan-eduyun', operationId: 'getOrgInfo', method: 'GET', path: '/org', time: '2026-11-22T07:00:00.000Z', violations: [{ side: 'request', pointer: '', message: 'x', rule: 'r' }] }));
    await j.append(record('f', { id: 'late', time: '2026-11-22T08:00:00.000Z' }));
    const ids = async (filter: object) => (await j.query('f', filter)).map((c) => c.id);
    expect(await ids({ api: 'wuhan-eduyun' })).toEqual(['school']);
    expect(await ids({ operationId: 'channelToken' })).toEqual(['token', 'late']);
    expect(await ids({ method: 'get' })).toEqual(['school']);
    expect(await ids({ path: '/org' })).toEqual(['school']);
    expect(await ids({ since: '2026-11-22T06:30:00Z' })).toEqual(['school', 'late']);
    expect(await ids({ limit: 2 })).toEqual(['school', 'late']);
    expect(await ids({ violationsOnly: true })).toEqual(['school']);
  });

  test.skipIf(skip)('per-session cap: the newest records are kept', async () => {
    const j = make(3);
    for (let i = 0; i < 8; i++) await j.append(record('capped', { id: `c${i}` }));
    expect((await j.query('capped')).map((c) => c.id)).toEqual(['c5', 'c6', 'c7']);
  });

  test.skipIf(skip)('--journal-total: past the cap in all, the oldest records of any session go first; stats count what is kept and evicted', async () => {
    const j = make(100, 5);
    const kept: CallRecord[] = [];
    for (let i = 0; i < 8; i++) kept.push(record(i % 2 ? 'odd' : 'even'));
    for (const r of kept) await j.append(r);
    const newest = kept.slice(3);
    expect([...(await j.query('even')), ...(await j.query('odd'))].map((r) => r.id).sort()).toEqual(newest.map((r) => r.id).sort());
    expect(await j.stats()).toMatchObject({ records: 5, evicted: 3, maxTotal: 5 });
  });

  test.skipIf(skip)('clear empties one session and says how many it held', async () => {
    const j = make();
    await j.append(record('x'));
    await j.append(record('x'));
    await j.append(record('y'));
    expect(await j.clear('x')).toBe(2);
    expect(await j.query('x')).toEqual([]);
    expect((await j.query('y')).length).toBe(1);
  });

  test.skipIf(skip)('delivery outcomes added after the answer are merged into their record; secrets in them are masked', async () => {
    const j = make();
    const r = record('dl', { deliveries: [{ url: 'http://127.0.0.1:9/hook', at: 0, ok: false, durationMs: 0, pending: true }] as CallRecord['deliveries'] });
    await j.append(r);
    await j.append(record('dl', { id: 'after' }));
    await j.addDeliveries(r, [{ url: 'http://user:hunter2-secret@127.0.0.1:9/hook', at: 5, ok: true, status: 200, durationMs: 3 }]);
    const [first, second] = await j.query('dl');
    expect(first!.id).toBe(r.id);
    expect(first!.deliveries).toMatchObject([{ ok: true, status: 200 }]);
    expect(JSON.stringify(first)).not.toContain('hunter2-secret');
    expect(second!.id).toBe('after');
  });

  test.skipIf(skip)('a listener gets each appended record', async () => {
    const j = make();
    const first = nextEvent(j);
    // Redis: the subscription is made on the first listener; records published before it is confirmed are not seen.
    if (j instanceof RedisJournal) await j.events.listening();
    const r = record('live');
    await j.append(r);
    expect(await first).toEqual(r);
  });
});

describe.skipIf(SKIP_WITHOUT_REDIS).each(['single', 'cluster'] as const)('RedisJournal on a %s Redis: two instances share one journal', (on) => {
  test('a record appended by one instance is in the other instance’s journal as soon as append resolves, and on its event stream', async () => {
    const a = redisJournal(`shared-j-${on}`, 100, 1000, on);
    const b = redisJournal(`shared-j-${on}`, 100, 1000, on);
    const seen = nextEvent(b);
    await b.events.listening();
    const r = record('s');
    await a.append(r);
    expect(await b.query('s')).toEqual([r]);
    expect(await seen).toEqual(r);
    expect(await redisJournal(`other-j-${on}`, 100, 1000, on).query('s')).toEqual([]);
  });

  test('--journal-total holds across instances: what A and B append is capped in all, and both count the same', async () => {
    const a = redisJournal(`total-j-${on}`, 100, 4, on);
    const b = redisJournal(`total-j-${on}`, 100, 4, on);
    const appended: CallRecord[] = [];
    for (let i = 0; i < 10; i++) {
      const r = record(`s${i % 3}`);
      appended.push(r);
      await (i % 2 ? a : b).append(r);
    }
    // The total is held just after each call is answered: once B's bookkeeping is in, A reads the cap held.
    await b.settled();
    const kept = (await Promise.all(['s0', 's1', 's2'].map((s) => a.query(s)))).flat();
    expect(kept.map((r) => r.id).sort()).toEqual(appended.slice(6).map((r) => r.id).sort());
    for (const j of [a, b]) expect(await j.stats()).toMatchObject({ records: 4, evicted: 6 });
  });
});

describe.skipIf(SKIP_WITHOUT_REDIS)('RedisJournal: what sharing adds', () => {
  test('records appended together (concurrent calls) keep their order per session, each in the other instance once its append resolves, and share round trips', async () => {
    const a = redisJournal('batch-j');
    const b = redisJournal('batch-j');
    const scripts = async (): Promise<number> => {
      const info = (await connections.at(-1)!.client.info('commandstats')).split('\n');
      return info.filter((l) => /^cmdstat_(evalsha|eval):/.test(l)).reduce((n, l) => n + Number(/calls=(\d+)/.exec(l)![1]), 0);
    };
    const before = await scripts();
    const appended = Array.from({ length: 30 }, (_, i) => record(`t${i % 3}`));
    await Promise.all(
      appended.map(async (r) => {
        await a.append(r);
        // Read-your-writes for each call on its own: its record is in the other instance's journal now.
        expect((await b.query(r.session)).map((x) => x.id)).toContain(r.id);
      }),
    );
    // One script per session and one for the total cap, not two per record (the reads above are no scripts).
    expect((await scripts()) - before).toBeLessThanOrEqual(4);
    for (const s of ['t0', 't1', 't2']) expect((await b.query(s)).map((r) => r.id)).toEqual(appended.filter((r) => r.session === s).map((r) => r.id));
    expect(await b.stats()).toMatchObject({ records: 30, evicted: 0 });
  });

  test('--journal-total over records appended together: the oldest go, as when appended one by one', async () => {
    const a = redisJournal('batch-total-j', 100, 25);
    const appended = Array.from({ length: 30 }, (_, i) => record(`u${i % 3}`));
    await Promise.all(appended.map((r) => a.append(r)));
    const kept = (await Promise.all(['u0', 'u1', 'u2'].map((s) => a.query(s)))).flat();
    expect(kept.map((r) => r.id).sort()).toEqual(appended.slice(5).map((r) => r.id).sort());
    expect(await a.stats()).toMatchObject({ records: 25, evicted: 5 });
  });
});
