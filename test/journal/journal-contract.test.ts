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
import { verifyCalls } from '../../src/journal/verify-calls.js';
import { RedisConnection } from '../../src/state/redis-connection.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

// The contract cases carry a Chinese field, as real records do.
const record = (session: string, over: Partial<CallRecord> = {}): CallRecord =>
  sampleRecord(session, over, { 学校名称: '第一中学' });

let redis: TestRedis | undefined;
/** Three masters and three replicas: the same cases on a Redis Cluster (sessions' streams on every master). */
let cluster: TestRedisCluster | undefined;
const connections: RedisConnection[] = [];
let prefixes = 0;
const redisJournal = (
  prefix: string,
  maxPerSession = 100,
  maxTotal = 1000,
  on: 'single' | 'cluster' = 'single',
): RedisJournal => {
  const connection = new RedisConnection(
    on === 'cluster'
      ? { url: cluster!.seeds, prefix, timeoutMs: 2000, cluster: true }
      : { url: redis!.url, prefix, timeoutMs: 2000 },
  );
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
  [
    'memory + file',
    (max = 100, total = 1000) =>
      new Journal({
        maxPerSession: max,
        maxTotal: total,
        file: join(mkdtempSync(join(tmpdir(), 'cm-jc-')), 'journal.ndjson'),
      }),
  ],
  ['redis', (max = 100, total = 1000) => redisJournal(`jc-${++prefixes}`, max, total)],
  ['redis cluster', (max = 100, total = 1000) => redisJournal(`jc-${++prefixes}`, max, total, 'cluster')],
];

/**
 * What the total cap leaves of sessions that appended alike: `kept` records in all, each session its newest, and no
 * session more than one record over another (the largest gives up first; ties go to either).
 */
async function expectNewestBalanced(j: CallJournal, appended: CallRecord[], kept: number): Promise<void> {
  const sessions = [...new Set(appended.map((r) => r.session))];
  const held = await Promise.all(sessions.map((s) => j.query(s)));
  sessions.forEach((s, i) => {
    const own = appended.filter((r) => r.session === s).map((r) => r.id);
    expect(held[i]!.map((r) => r.id)).toEqual(own.slice(own.length - held[i]!.length));
  });
  const sizes = held.map((h) => h.length);
  expect(sizes.reduce((n, k) => n + k, 0)).toBe(kept);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

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
    await j.append(
      record('f', {
        id: 'school',
        api: 'wuhan-eduyun',
        operationId: 'getOrgInfo',
        method: 'GET',
        path: '/org',
        time: '2026-11-22T07:00:00.000Z',
        violations: [{ side: 'request', pointer: '', message: 'x', rule: 'r' }],
      }),
    );
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

  test.skipIf(skip)(
    '--journal-total: past the cap in all, sessions keep their newest records, the largest giving up first; stats count what is kept and evicted',
    async () => {
      const j = make(100, 5);
      const appended: CallRecord[] = [];
      for (let i = 0; i < 8; i++) appended.push(record(i % 2 ? 'odd' : 'even'));
      for (const r of appended) await j.append(r);
      if (j instanceof RedisJournal) await j.settled();
      await expectNewestBalanced(j, appended, 5);
      expect(await j.stats()).toMatchObject({ records: 5, evicted: 3, maxTotal: 5 });
    },
  );

  test.skipIf(skip)('clear empties one session and says how many it held', async () => {
    const j = make();
    await j.append(record('x'));
    await j.append(record('x'));
    await j.append(record('y'));
    expect(await j.clear('x')).toBe(2);
    expect(await j.query('x')).toEqual([]);
    expect((await j.query('y')).length).toBe(1);
  });

  test.skipIf(skip)(
    'fair eviction (issue 25): a flood in 20 other sessions past --journal-total leaves a small session every record; its verify stays true',
    async () => {
      const j = make(1000, 1000);
      for (let i = 0; i < 3; i++) await j.append(record('small'));
      // 20 sessions × 60 records: 1,203 appended in all, 203 past the cap.
      await Promise.all(Array.from({ length: 1200 }, (_, i) => j.append(record(`flood-${i % 20}`))));
      if (j instanceof RedisJournal) await j.settled();
      expect(await j.query('small')).toHaveLength(3);
      expect(await j.lost('small')).toBe(0);
      expect(
        verifyCalls(await j.query('small'), { operationId: 'channelToken', count: 3 }, await j.lost('small')),
      ).toEqual({ ok: true, matched: 3, expected: 'exactly 3' });
      const flooded = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => ({
          kept: (await j.query(`flood-${i}`)).length,
          lost: await j.lost(`flood-${i}`),
        })),
      );
      expect(flooded.reduce((n, f) => n + f.kept, 0)).toBe(997);
      expect(flooded.reduce((n, f) => n + f.lost, 0)).toBe(203);
      expect(flooded.every((f) => f.kept + f.lost === 60)).toBe(true);
      expect(await j.stats()).toMatchObject({ records: 1000, evicted: 203 });
    },
  );

  test.skipIf(skip)('past --journal-total the largest session loses its oldest records first', async () => {
    const j = make(100, 10);
    const ids = async (s: string) => (await j.query(s)).map((r) => r.id);
    for (let i = 0; i < 9; i++) await j.append(record('big', { id: `b${i}` }));
    for (let i = 0; i < 4; i++) await j.append(record('mid', { id: `m${i}` }));
    await j.append(record('small', { id: 's0' }));
    if (j instanceof RedisJournal) await j.settled();
    expect(await ids('big')).toEqual(['b4', 'b5', 'b6', 'b7', 'b8']);
    expect(await ids('mid')).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(await ids('small')).toEqual(['s0']);
    expect([await j.lost('big'), await j.lost('mid'), await j.lost('small')]).toEqual([4, 0, 0]);
    expect(await j.stats()).toMatchObject({ records: 10, evicted: 4 });
  });

  test.skipIf(skip)('a session that lost records to a cap says so in verify until it is cleared', async () => {
    const j = make(3);
    for (let i = 0; i < 5; i++) await j.append(record('lossy'));
    if (j instanceof RedisJournal) await j.settled();
    expect(await j.query('lossy')).toHaveLength(3);
    expect(await j.lost('lossy')).toBe(2);
    const calls = await j.query('lossy');
    // An exact count cannot be vouched for; a lower bound the kept calls already meet can.
    expect(verifyCalls(calls, { operationId: 'channelToken', count: 3 }, 2)).toMatchObject({
      ok: false,
      matched: 3,
      lost: 2,
      detail: expect.stringContaining('2 record(s) of this session were evicted'),
    });
    expect(verifyCalls(calls, { operationId: 'channelToken', atLeast: 2 }, 2)).toMatchObject({ ok: true, lost: 2 });
    expect(verifyCalls(calls, { operationId: 'channelToken', atLeast: 4 }, 2)).toMatchObject({ ok: false, lost: 2 });
    expect(await j.clear('lossy')).toBe(3);
    expect(await j.lost('lossy')).toBe(0);
    await j.append(record('lossy'));
    expect(await j.lost('lossy')).toBe(0);
  });

  test.skipIf(skip)(
    'clear frees what it cleared: the counts in stats follow the records kept (finding 6)',
    async () => {
      const j = make(1000, 100_000);
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 300; i++) await j.append(record(`c${i % 3}`));
        for (const s of ['c0', 'c1', 'c2']) await j.clear(s);
      }
      for (let i = 0; i < 7; i++) await j.append(record('c0'));
      if (j instanceof RedisJournal) await j.settled();
      const stats = await j.stats();
      expect(stats).toMatchObject({ records: 7, evicted: 0 });
      if (j instanceof Journal) expect(stats).toMatchObject({ queued: 7, sessions: 1 });
    },
  );

  test.skipIf(skip)(
    'delivery outcomes added after the answer are merged into their record; secrets in them are masked',
    async () => {
      const j = make();
      const r = record('dl', {
        deliveries: [
          { url: 'http://127.0.0.1:9/hook', at: 0, ok: false, durationMs: 0, pending: true },
        ] as CallRecord['deliveries'],
      });
      await j.append(r);
      await j.append(record('dl', { id: 'after' }));
      await j.addDeliveries(r, [
        { url: 'http://user:hunter2-secret@127.0.0.1:9/hook', at: 5, ok: true, status: 200, durationMs: 3 },
      ]);
      const [first, second] = await j.query('dl');
      expect(first!.id).toBe(r.id);
      expect(first!.deliveries).toMatchObject([{ ok: true, status: 200 }]);
      expect(JSON.stringify(first)).not.toContain('hunter2-secret');
      expect(second!.id).toBe('after');
    },
  );

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

describe.skipIf(SKIP_WITHOUT_REDIS).each(['single', 'cluster'] as const)(
  'RedisJournal on a %s Redis: two instances share one journal',
  (on) => {
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
      await expectNewestBalanced(a, appended, 4);
      for (const j of [a, b]) expect(await j.stats()).toMatchObject({ records: 4, evicted: 6 });
    });
  },
);

describe.skipIf(SKIP_WITHOUT_REDIS)('RedisJournal: what sharing adds', () => {
  test('records appended together (concurrent calls) keep their order per session, each in the other instance once its append resolves, and share round trips', async () => {
    const a = redisJournal('batch-j');
    const b = redisJournal('batch-j');
    const scripts = async (): Promise<number> => {
      const info = (await connections.at(-1)!.client.info('commandstats')).split('\n');
      return info
        .filter((l) => /^cmdstat_(evalsha|eval):/.test(l))
        .reduce((n, l) => n + Number(/calls=(\d+)/.exec(l)![1]), 0);
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
    for (const s of ['t0', 't1', 't2'])
      expect((await b.query(s)).map((r) => r.id)).toEqual(appended.filter((r) => r.session === s).map((r) => r.id));
    expect(await b.stats()).toMatchObject({ records: 30, evicted: 0 });
  });

  test('the bookkeeping forgets a session that appended nothing for its expiry (its stream expired with it): counts follow the sessions in use', async () => {
    let now = 1_000_000;
    const connection = new RedisConnection({ url: redis!.url, prefix: 'idle-j', timeoutMs: 2000 });
    connections.push(connection);
    const j = new RedisJournal(connection, { maxPerSession: 100, maxTotal: 1000, ttlMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) await j.append(record('idle'));
    await j.settled();
    expect(await j.stats()).toMatchObject({ records: 3, sessions: 1 });
    now += 60_001;
    await j.append(record('busy'));
    await j.settled();
    expect(await j.stats()).toMatchObject({ records: 1, sessions: 1 });
  });

  test('--journal-total over records appended together: as when appended one by one, sessions keep their newest, balanced', async () => {
    const a = redisJournal('batch-total-j', 100, 25);
    const appended = Array.from({ length: 30 }, (_, i) => record(`u${i % 3}`));
    await Promise.all(appended.map((r) => a.append(r)));
    await a.settled();
    await expectNewestBalanced(a, appended, 25);
    expect(await a.stats()).toMatchObject({ records: 25, evicted: 5 });
  });
});
