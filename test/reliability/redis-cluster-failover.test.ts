/**
 * serve --redis on a Redis Cluster (three masters, three replicas, cluster-node-timeout 2000): health reports the
 * cluster; kill -9 of the master that serves one session's slot answers that session's calls store-unavailable
 * (bounded, in the API's envelope, X-Mock-Limit) until its replica is promoted, then serves them again by itself,
 * while another session's calls never fail; the master holding the shared tables lost, sessions on the others
 * are still served; with two of three masters gone the cluster's state is fail and
 * health is 503. Real time, polled: a failover is Redis's own timing, not the mock clock's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';
import { SKIP_WITHOUT_REDIS_CLUSTER, startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const TIMEOUT_MS = 1000;
const PREFIX = `failover-${process.pid}`;

interface Instance {
  url: string;
  child: ChildProcess;
  log: () => string;
}

let cluster: TestRedisCluster;
let A: Instance;
let B: Instance;

async function serve(): Promise<Instance> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--port',
      String(port),
      '--redis',
      cluster.url,
      '--redis-prefix',
      PREFIX,
      '--redis-timeout',
      String(TIMEOUT_MS),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => ((out += d), out.includes('listening') && resolve()));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, log: () => out };
}

beforeAll(async () => {
  if (SKIP_WITHOUT_REDIS_CLUSTER) return;
  // Without full coverage a lost master's slots fail alone: the other masters' sessions go on (README).
  cluster = await startRedisCluster(['--cluster-require-full-coverage', 'no']);
  [A, B] = await Promise.all([serve(), serve()]);
}, 60_000);
afterAll(async () => {
  for (const i of [A, B]) if (i && i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
  await cluster?.stop();
});

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  limit: string | null;
  body: Json;
}
async function token(at: Instance, session: string): Promise<Answer> {
  const res = await fetch(`${at.url}/v1/channel/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-session': session },
    body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
  });
  return { status: res.status, limit: res.headers.get('x-mock-limit'), body: (await res.json()) as Json };
}
const health = async (
  at: Instance,
): Promise<{ status: number; body: { status: string; store: Json & { cluster?: Json } } }> => {
  const res = await fetch(`${at.url}/__mock/health`);
  return { status: res.status, body: (await res.json()) as { status: string; store: Json & { cluster?: Json } } };
};
/** A token issued (the store-unavailable answer is HTTP 200 too, in the API's envelope: told by X-Mock-Limit). */
const served = (a: Answer): boolean =>
  a.status === 200 && a.limit === null && typeof (a.body['data'] as Json | undefined)?.['access_token'] === 'string';
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first id `s0`, `s1`... whose session's slot is served by none of the `busy` masters. */
async function sessionAwayFrom(busy: number[]): Promise<{ id: string; master: number }> {
  for (let i = 0; ; i++) {
    const master = await cluster.masterOf(`{${PREFIX}:s${i}}`);
    if (!busy.includes(master)) return { id: `s${i}`, master };
  }
}

// In order, whatever the run's shuffle: each test kills nodes the next one must find alive or dead.
describe.skipIf(SKIP_WITHOUT_REDIS_CLUSTER)(
  'two instances on a Redis Cluster, one master killed',
  { shuffle: false },
  () => {
    test('health reports the cluster: its nodes, its slots served, its state', async () => {
      for (const at of [A, B]) {
        const h = await health(at);
        expect(h.status).toBe(200);
        expect(h.body.store).toMatchObject({
          backend: 'redis',
          status: 'up',
          cluster: { state: 'ok', knownNodes: 6, masters: 3, slotsAssigned: 16384, slotsOk: 16384, slotsFail: 0 },
        });
      }
    });

    test('kill -9 of the master serving a session: its calls answer store-unavailable, then succeed by themselves once the replica is promoted; another session never notices', async () => {
      // The session killed, and the other one, each on a master apart from the one holding the instances' shared tables.
      const shared = await cluster.masterOf(`{${PREFIX}}`);
      const victim = await sessionAwayFrom([shared]);
      const other = await sessionAwayFrom([shared, victim.master]);
      for (const at of [A, B]) for (const s of [victim.id, other.id]) expect(served(await token(at, s))).toBe(true);

      await cluster.kill(victim.master);
      const seen = { unavailable: 0, otherFailed: [] as Answer[], wrong: [] as Answer[] };
      let recovered = false;
      // Within 20 s (cluster-node-timeout 2000, then the election): polled every 100 ms, alternating instances.
      for (let i = 0; i < 200 && !recovered; i++) {
        const at = i % 2 ? A : B;
        const t0 = performance.now();
        const [mine, theirs] = await Promise.all([token(at, victim.id), token(at, other.id)]);
        // Bounded: the call waits for its slot at most the command timeout (and the session lock's own bound).
        expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS * 8);
        if (!served(theirs)) seen.otherFailed.push(theirs);
        if (served(mine)) recovered = seen.unavailable > 0;
        else if (mine.limit === 'store-unavailable') {
          seen.unavailable++;
          // The API's own envelope (channelToken's), saying why.
          if (!String(mine.body['message']).includes('store is unavailable')) seen.wrong.push(mine);
        } else seen.wrong.push(mine);
        if (!recovered) await pause(100);
      }
      expect(seen.wrong).toEqual([]);
      expect(seen.otherFailed).toEqual([]);
      expect(seen.unavailable).toBeGreaterThan(0);
      expect(recovered).toBe(true);
      for (const at of [A, B]) {
        expect(at.child.exitCode).toBeNull();
        expect(served(await token(at, victim.id))).toBe(true);
      }
      await cluster.ok();
      expect((await health(A)).body.store.cluster).toMatchObject({ state: 'ok', masters: 3, slotsOk: 16384 });
    }, 60_000);

    test('kill -9 of the master holding the shared tables (session table, --journal-total): new sessions elsewhere are still served', async () => {
      await cluster.ok();
      const shared = await cluster.masterOf(`{${PREFIX}}`);
      // Ten new sessions, each on another master: each call is its session's first, so it is admitted in the table.
      const fresh: string[] = [];
      for (let i = 0; fresh.length < 10; i++)
        if ((await cluster.masterOf(`{${PREFIX}:n${i}}`)) !== shared) fresh.push(`n${i}`);
      await cluster.kill(shared);
      const answers: Answer[] = [];
      for (const [i, id] of fresh.entries()) answers.push(await token(i % 2 ? A : B, id));
      expect(answers.filter((a) => !served(a))).toEqual([]);
      await cluster.ok();
    }, 60_000);

    test('two of three masters gone: the cluster state is fail and health is 503, saying so', async () => {
      const masters = await Promise.all([0, 1, 2].map(async (i) => cluster.masterOf(`{${PREFIX}:m${i}}`)));
      const killed = [...new Set(masters)].slice(0, 2);
      // Slots of three masters: three probes land on at least two of them.
      expect(killed.length).toBe(2);
      for (const port of killed) await cluster.kill(port);
      // The nodes left agree the cluster has failed once cluster-node-timeout (2 s) has passed: polled for 10 s.
      let h = await health(A);
      for (let i = 0; i < 100 && h.body.store.cluster?.['state'] !== 'fail'; i++) {
        await pause(100);
        h = await health(A);
      }
      expect(h.status).toBe(503);
      expect(h.body.status).toBe('store-unavailable');
      expect(h.body.store).toMatchObject({ status: 'down', cluster: { state: 'fail' } });
      expect(String(h.body.store['error'])).toContain('Redis Cluster');
      // The load balancer's check (no token) says the same.
      expect((await fetch(`${A.url}/__mock/ready`)).status).toBe(503);
    }, 30_000);
  },
);
