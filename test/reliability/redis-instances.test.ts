/**
 * serve --redis: two serve processes on one Redis are one mock. Calls alternate between instance A
 * and instance B: every API's QA flow (verify), scenarios and their hit counts, the session clock,
 * read-your-writes of the journal, the concurrency guarantees, a kill -9 of one instance, and a
 * stalled Redis (SIGSTOP) answered within the bound and recovered from by itself. All of it on a single
 * Redis and again on a Redis Cluster (three masters, three replicas; the instances given one node).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { loadContract } from '../../src/contract/contract-cache.js';
import { verifyTarget, DEFAULT_CREDENTIALS } from '../../src/verify/verify-target.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { freePort } from '../helpers/free-port.js';
import { roundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const TIMEOUT_MS = 500;
const PREFIX = `instances-${process.pid}`;

interface Instance {
  url: string;
  port: number;
  child: ChildProcess;
}

/** Where the instances keep their state: a single Redis, or a Redis Cluster (three masters, three replicas) given by one node's URL. */
type Target = 'a single Redis' | 'a Redis Cluster';
let redis: TestRedis | undefined;
let cluster: TestRedisCluster | undefined;
let redisUrl: string;
let A: Instance;
let B: Instance;
const children: ChildProcess[] = [];

async function serve(port?: number): Promise<Instance> {
  port ??= await freePort();
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--port',
      String(port),
      '--redis',
      redisUrl,
      '--redis-prefix',
      PREFIX,
      '--redis-timeout',
      String(TIMEOUT_MS),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => ((out += d), out.includes('listening') && resolve()));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, port, child };
}

/** A Redis (or cluster) and two instances on it, for one describe block; both stopped after it. */
function startsFor(target: Target): void {
  beforeAll(async () => {
    if (SKIP_WITHOUT_REDIS) return;
    if (target === 'a Redis Cluster') redisUrl = (cluster = await startRedisCluster()).url;
    else redisUrl = (redis = await startRedis()).url;
    [A, B] = await Promise.all([serve(), serve()]);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all([redis?.stop(), cluster?.stop()]);
    redis = cluster = undefined;
  });
}

type Json = Record<string, unknown>;
/** One GET straight to the test's Redis (RESP over a socket), for what the instances keep there. */
async function redisGet(key: string): Promise<string | null> {
  // On a cluster, asked of the master that serves the key's slot.
  const portOf = async (k: string): Promise<number> => (cluster ? cluster.masterOf(k) : redis!.port);
  const port = await portOf(key);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () =>
      socket.write(`*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`),
    );
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d;
      const m = /^\$(-?\d+)\r\n/.exec(text);
      if (m && (m[1] === '-1' || text.length >= m[0].length + Number(m[1]))) {
        socket.destroy();
        resolve(m[1] === '-1' ? null : text.slice(m[0].length, m[0].length + Number(m[1])));
      }
    });
    socket.on('error', reject);
  });
}
async function call(
  at: Instance,
  path: string,
  body: unknown,
  session: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(at.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-session': session, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text.startsWith('{') ? (JSON.parse(text) as Json) : { text },
  };
}
const admin = async (at: Instance, method: string, path: string, session: string, body?: unknown): Promise<Json> => {
  const res = await fetch(`${at.url}/__mock${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-mock-session': session },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Json;
};
const calls = async (at: Instance, session: string): Promise<CallRecord[]> =>
  (await (await fetch(`${at.url}/__mock/calls`, { headers: { 'x-mock-session': session } })).json()) as CallRecord[];
const token = async (at: Instance, session: string): Promise<string> =>
  (
    (await call(at, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, session)).body['data'] as {
      access_token: string;
    }
  ).access_token;
const school = (t: string, i: number) => ({
  access_token: t,
  organName: `学校${i}`,
  organKind: 2,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId: 7,
});

describe.skipIf(SKIP_WITHOUT_REDIS).each<Target>(['a single Redis', 'a Redis Cluster'])(
  'two instances on %s',
  (target) => {
    startsFor(target);

    test('every API’s QA flow passes verify with its calls alternating between A and B', async () => {
      const front: RoundRobin = await roundRobin([A.url, B.url]);
      try {
        const report = await verifyTarget(await loadContract(), {
          target: front.url,
          seed: 5,
          concurrency: 1,
          generated: 1,
          credentials: DEFAULT_CREDENTIALS,
          session: 'qa-flows',
          timeoutMs: 10_000,
        });
        const failed = report.checks.filter((c) => !c.ok);
        expect(failed.map((c) => `${c.operationId} ${c.name}: ${JSON.stringify(c.failures.slice(0, 2))}`)).toEqual([]);
        expect(report.checks.filter((c) => c.kind === 'flow').length).toBeGreaterThan(0);
        expect(Math.min(...front.counts)).toBeGreaterThan(10);
      } finally {
        front.server.close();
      }
    }, 60_000);

    test('a token issued by A works on B; A’s answered call is in B’s journal at once (read-your-writes)', async () => {
      const S = 'ryw';
      for (let i = 0; i < 20; i++) {
        const [first, second] = i % 2 ? [A, B] : [B, A];
        const t = await token(first, S);
        const saved = await call(second, '/v1/abutment/syncSaveOrganMetadata', school(t, i), S);
        expect(saved.body['status']).toBe(200);
        // No wait: the record was in Redis before the answer left `second`.
        const seen = await calls(first, S);
        expect(seen.at(-1)!.request.body).toMatchObject({ organName: `学校${i}` });
      }
      expect((await calls(A, S)).length).toBe(40);
    });

    test('/__mock/events on B streams the calls A answers', async () => {
      const S = 'events';
      const controller = new AbortController();
      const res = await fetch(`${B.url}/__mock/events?session=${S}`, { signal: controller.signal });
      const reader = res.body!.getReader();
      let text = '';
      const read = async (until: (t: string) => boolean): Promise<void> => {
        while (!until(text)) text += new TextDecoder().decode((await reader.read()).value);
      };
      await read((t) => t.includes('event: hello'));
      // The hello is written once B listens on the shared stream: a call answered by A after it reaches B.
      await token(A, S);
      await read((t) => t.includes('event: call'));
      controller.abort();
      const record = JSON.parse(/event: call\ndata: (.*)\n/.exec(text)![1]!) as CallRecord;
      expect([record.session, record.operationId]).toEqual([S, 'channelToken']);
    });

    test('a scenario activated on A applies on B; flaky (fail twice, then succeed) is counted across both', async () => {
      const S = 'scen';
      await admin(A, 'POST', '/scenarios/active', S, { name: 'flaky' });
      const statuses: number[] = [];
      for (const at of [B, A, B, A])
        statuses.push((await call(at, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, S)).status);
      expect(statuses).toEqual([503, 503, 200, 200]);
      const active = (await admin(B, 'GET', '/scenarios', S))['active'] as Array<{
        name: string;
        rules: Array<{ hits: number }>;
      }>;
      expect(active.map((a) => [a.name, a.rules[0]!.hits])).toEqual([['flaky', 2]]);
    });

    test('a secret masks the same way on A and on B (one mask key, kept in Redis), and never shows', async () => {
      const S = 'masks';
      await call(A, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, S);
      await call(B, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, S);
      const [onA, onB] = (await calls(B, S)).map((r) => (r.request.body as Json)['secret']);
      expect(typeof onA).toBe('string');
      expect(String(onA)).not.toContain('demo-secret');
      expect(onB).toBe(onA);
      // The key itself is in no export.
      const exported = await (await fetch(`${A.url}/__mock/calls.ndjson`, { headers: { 'x-mock-session': S } })).text();
      const key = await redisGet(`{${PREFIX}}:mask-key`);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(exported).not.toContain(key);
      expect(JSON.stringify(await admin(A, 'GET', '/state', S))).not.toContain(key);
    });

    test('health on A and on B counts one journal and one session table: the calls and sessions of both', async () => {
      await token(A, 'health-a');
      await token(B, 'health-b');
      await token(B, 'health-b');
      const [onA, onB] = await Promise.all(
        [A, B].map(
          async (at) => (await (await fetch(`${at.url}/__mock/health`)).json()) as { journal: Json; sessions: Json },
        ),
      );
      expect(onA!.journal['records']).toBe(onB!.journal['records']);
      expect(onA!.journal['records']).toBeGreaterThanOrEqual(3);
      expect(onA!.sessions).toEqual(onB!.sessions);
      expect(onA!.sessions['held']).toBeGreaterThanOrEqual(2);
    });

    test('the clock moved on B expires a token on A', async () => {
      const S = 'clock';
      const t = await token(A, S);
      expect((await call(A, '/v1/abutment/syncSaveOrganMetadata', school(t, 1), S)).body['status']).toBe(200);
      await admin(B, 'POST', '/clock', S, { advanceSeconds: 7200 });
      expect((await call(A, '/v1/abutment/syncSaveOrganMetadata', school(t, 2), S)).body).toMatchObject({
        status: 403,
        message: 'Forbidden',
      });
    });

    const agent = new Agent({ keepAlive: true, maxSockets: 100 });
    function raw(at: Instance, path: string, body: string, type: string, session: string): Promise<Json> {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          `${at.url}${path}`,
          { method: 'POST', agent, headers: { 'content-type': type, 'x-mock-session': session } },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve(JSON.parse(text) as Json));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }

    test('500 concurrent upserts and deletes of one school spread over A and B replay to the final state', async () => {
      const S = 'race-2';
      const t = await token(A, S);
      const answers = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          i % 3 === 2
            ? raw(
                i % 2 ? A : B,
                '/v1/abutment/syncDeleteOrganMetadata/7',
                JSON.stringify({ access_token: t }),
                'application/json',
                S,
              )
            : raw(
                i % 2 ? A : B,
                '/v1/abutment/syncSaveOrganMetadata',
                JSON.stringify(school(t, i)),
                'application/json',
                S,
              ),
        ),
      );
      expect(answers.every((a) => a['status'] === 200 || a['code'] === '40410')).toBe(true);
      const journal = (await calls(B, S)).filter((c) => c.operationId !== 'channelToken');
      expect(journal).toHaveLength(500);
      expect(new Set(journal.map((c) => c.order)).size).toBe(500);
      let exists = false;
      let name: string | undefined;
      for (const c of [...journal].sort((a, b) => a.order! - b.order!)) {
        if (c.operationId === 'syncSaveOrganMetadata') {
          exists = true;
          name = (c.request.body as { organName: string }).organName;
        } else {
          expect(c.response.code).toBe(exists ? '200' : '40410');
          exists = false;
        }
      }
      const state = (await (await fetch(`${A.url}/__mock/state`, { headers: { 'x-mock-session': S } })).json()) as {
        apis: Record<string, { schools: Array<{ organName: string }> }>;
      };
      expect(state.apis['platform-sync']!.schools.map((s) => s.organName)).toEqual(exists ? [name] : []);
    }, 30_000);

    test('50 concurrent duplicate wx-push adds spread over A and B save exactly one', async () => {
      const S = 'race-wx-2';
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          raw(
            i % 2 ? A : B,
            '/wx/push/addPushProject',
            'url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&project=same',
            'application/x-www-form-urlencoded',
            S,
          ),
        ),
      );
      expect(answers.filter((a) => a['success'] === true)).toHaveLength(1);
      expect(answers.filter((a) => a['code'] === '16000')).toHaveLength(49);
    }, 30_000);

    // A cluster's node lost is the failover test's (redis-cluster-failover.test.ts): this one is not defined for
    // the cluster rather than counted as skipped.
    if (target !== 'a Redis Cluster')
      test('Redis stopped (SIGSTOP) for 2 s: both answer within the bound, store-unavailable, health down; all recovers after SIGCONT', async () => {
        const S = 'stall';
        const t = await token(A, S);
        const single = redis!;
        single.pause();
        try {
          for (const at of [A, B]) {
            const t0 = performance.now();
            const res = await call(at, '/v1/abutment/syncSaveOrganMetadata', school(t, 1), S);
            expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS * 4);
            expect(res.headers.get('x-mock-limit')).toBe('store-unavailable');
            expect(res.body).toMatchObject({ message: expect.stringContaining('store is unavailable') });
            const admin503 = await fetch(`${at.url}/__mock/calls`, { headers: { 'x-mock-session': S } });
            expect(admin503.status).toBe(503);
            expect(admin503.headers.get('content-type')).toMatch(/^application\/problem\+json/);
            const health = await fetch(`${at.url}/__mock/health`);
            expect(health.status).toBe(503);
            expect(((await health.json()) as Json)['store']).toMatchObject({ backend: 'redis', status: 'down' });
          }
          await new Promise((r) => setTimeout(r, Math.max(0, 2000 - 4 * TIMEOUT_MS)));
        } finally {
          single.resume();
        }
        // Recovery by itself: the first calls may still meet the lock a timed-out call left (at most its expiry).
        let saved: Json = {};
        for (let i = 0; i < 40 && saved['status'] !== 200; i++) {
          saved = (await call(i % 2 ? A : B, '/v1/abutment/syncSaveOrganMetadata', school(t, 2), S)).body;
          if (saved['status'] !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(saved['status']).toBe(200);
        for (const at of [A, B]) expect((await fetch(`${at.url}/__mock/health`)).status).toBe(200);
      }, 30_000);

    test('kill -9 of A mid-run: B carries the session on, with every call A answered', async () => {
      // Its own instance in A's place, so the other tests (in any order) keep both of theirs.
      const A = await serve();
      const S = 'killed';
      const t = await token(A, S);
      const answeredByA: string[] = [];
      const inFlight = Array.from({ length: 40 }, (_, i) =>
        call(A, '/v1/abutment/syncSaveOrganMetadata', school(t, i), S).then(
          (r) => void (r.body['status'] === 200 && answeredByA.push(`学校${i}`)),
          () => undefined,
        ),
      );
      await new Promise((r) => setTimeout(r, 20));
      A.child.kill('SIGKILL');
      await Promise.all(inFlight);
      // The token A issued, and the school A saved last, are B's to serve.
      expect((await call(B, '/v1/abutment/syncSaveOrganMetadata', school(t, 99), S)).body['status']).toBe(200);
      const names = (await calls(B, S)).map((c) => (c.request.body as { organName?: string }).organName);
      for (const n of answeredByA) expect(names).toContain(n);
    }, 30_000);
  },
);
