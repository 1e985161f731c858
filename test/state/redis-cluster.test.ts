/**
 * --redis on a Redis Cluster: seed lists parsed and checked, passwords never shown, cluster mode detected from any
 * node (a single Redis keeps its client), CLUSTER INFO read into health, and a single-Redis client that meets a
 * cluster (MOVED) answering store-unavailable with what to do instead of a server error.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import {
  openRedisConnection,
  redactedUrl,
  redisUrlProblem,
  RedisConnection,
} from '../../src/state/redis-connection.js';
import { clusterHealth } from '../../src/state/redis-cluster.js';
import { seedUrls } from '../../src/state/redis-words.js';
import { StoreUnavailableError } from '../../src/state/store.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { SKIP_WITHOUT_REDIS_CLUSTER, startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { serveProcess } from '../helpers/serve-process.js';

describe('seed lists and CLUSTER INFO, offline', () => {
  test('a bare HOST:PORT in a seed list takes the first URL’s scheme and credentials', () => {
    expect(seedUrls('redis://:pw@h1:7001, h2:7002,rediss://u:p2@h3:7003')).toEqual([
      'redis://:pw@h1:7001',
      'redis://:pw@h2:7002',
      'rediss://u:p2@h3:7003',
    ]);
  });

  test('a comma in one URL’s password or query is not a seed list', () => {
    expect(seedUrls('redis://:a,b@h:6379')).toEqual(['redis://:a,b@h:6379']);
    expect(redisUrlProblem('redis://:a,b@h:6379')).toBeUndefined();
    expect(redactedUrl('redis://:a,b@h:6379')).toBe('redis://:***@h:6379');
    expect(seedUrls('redis://h1,h2:7002')).toEqual(['redis://h1', 'redis://h2:7002']);
  });

  test.each([
    ['redis://h1:7001,h2:7002', undefined],
    ['redis://h1:7001,redis://h2:7002/0', undefined],
    ['redis://h1:7001,redis://h2:7002/3', 'only database 0'],
    ['redis://h1:7001,http://h2:7002', 'seed node "http:" is not redis:'],
  ])('%s: %s', (url, problem) => {
    if (problem === undefined) expect(redisUrlProblem(url)).toBeUndefined();
    else expect(redisUrlProblem(url)).toContain(problem);
  });

  test('every seed’s password is hidden', () => {
    const shown = redactedUrl('redis://:pw-secret@h1:7001,h2:7002,redis://h3:7003?password=pw-other');
    expect(shown).not.toMatch(/pw-secret|pw-other/);
    expect(shown).toBe('redis://:***@h1:7001,redis://:***@h2:7002,redis://h3:7003?password=***');
  });

  const info = (state: string, ok = 16384) =>
    `# Cluster\r\ncluster_state:${state}\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:${ok}\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:${16384 - ok}\r\ncluster_known_nodes:6\r\ncluster_size:3\r\n`;
  test('the worst state any node reports; fail when none answers', () => {
    expect(clusterHealth([info('ok'), info('ok')])).toEqual({
      state: 'ok',
      knownNodes: 6,
      masters: 3,
      answering: 2,
      slotsAssigned: 16384,
      slotsOk: 16384,
      slotsPfail: 0,
      slotsFail: 0,
    });
    expect(clusterHealth([info('ok', 10923), info('fail', 10923)])).toMatchObject({
      state: 'fail',
      slotsOk: 10923,
      slotsFail: 5461,
    });
    expect(clusterHealth([])).toMatchObject({ state: 'fail', answering: 0 });
  });
});

describe.skipIf(SKIP_WITHOUT_REDIS || SKIP_WITHOUT_REDIS_CLUSTER)('cluster mode, detected', () => {
  let single: TestRedis;
  let cluster: TestRedisCluster;
  const opened: RedisConnection[] = [];
  beforeAll(async () => {
    [single, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await Promise.all([single?.stop(), cluster?.stop()]);
  });
  const open = async (url: string): Promise<RedisConnection> => {
    const c = await openRedisConnection({ url, prefix: 'detect', timeoutMs: 2000 });
    opened.push(c);
    return c;
  };

  test('a single Redis keeps the single client, and health says nothing of a cluster', async () => {
    const c = await open(single.url);
    expect(c.client).toBeInstanceOf(Redis);
    expect(c.options.cluster).toBe(false);
    expect(await c.check()).not.toHaveProperty('cluster');
  });

  test.each(['one node’s URL', 'the seed list'])(
    '%s: the Cluster client, whose writes reach every slot; health reports the cluster',
    async (given) => {
      const c = await open(given === 'the seed list' ? cluster.seeds : cluster.url);
      expect(c.client).toBeInstanceOf(Cluster);
      // Keys in every master's slots: a single client would be answered MOVED for two in three.
      for (let i = 0; i < 12; i++) await c.run(c.client.set(`{detect:${i}}:k`, String(i)));
      expect(await c.run(c.client.get('{detect:7}:k'))).toBe('7');
      expect(await c.check()).toMatchObject({
        status: 'up',
        cluster: { state: 'ok', knownNodes: 6, masters: 3, slotsOk: 16384 },
      });
    },
  );

  test('serve --redis with a seed list (bare HOST:PORT after the first) shares its mask key and serves every session', async () => {
    const [first, ...rest] = cluster.seeds.split(',');
    const serve = await serveProcess([
      '--redis',
      [first, ...rest.map((u) => u.replace('redis://', ''))].join(','),
      '--redis-prefix',
      'seeded',
    ]);
    try {
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${serve.url}/v1/channel/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mock-session': `s${i}` },
          body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
        });
        expect(res.headers.get('x-mock-limit')).toBeNull();
        expect(((await res.json()) as { data?: { access_token?: string } }).data?.access_token).toEqual(
          expect.any(String),
        );
      }
      // What the issue saw before: the mask key unread (MOVED), then a server error per call.
      expect(serve.stderr()).not.toMatch(/mask key could not be read|MOVED/);
    } finally {
      await serve.stop();
    }
  });

  test('a single client on a cluster node (the cluster did not answer at start) answers store-unavailable saying to restart, not a server error', async () => {
    const logged: string[] = [];
    const c = new RedisConnection({
      url: cluster.url,
      prefix: 'detect',
      timeoutMs: 2000,
      cluster: false,
      log: (m) => logged.push(m),
    });
    opened.push(c);
    await c.ready();
    const errors: unknown[] = [];
    for (let i = 0; i < 12; i++)
      await c.run(c.client.set(`{detect:${i}}:k`, String(i))).catch((e: unknown) => errors.push(e));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e).toBeInstanceOf(StoreUnavailableError);
      expect((e as StoreUnavailableError).message).toMatch(/node of a Redis Cluster.*Restart/);
    }
    expect(logged.filter((m) => m.includes('node of a Redis Cluster'))).toHaveLength(1);
  });
});
