/**
 * serve --redis on a Redis Cluster: `/__mock/events` on one instance keeps streaming the calls another answers
 * after the node its subscription sits on is killed (-9): ioredis' Cluster subscribes again on another node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';
import { SKIP_WITHOUT_REDIS_CLUSTER, startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const PREFIX = `events-${process.pid}`;

let cluster: TestRedisCluster;
const children: ChildProcess[] = [];

async function serve(): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', String(port), '--redis', cluster.url, '--redis-prefix', PREFIX, '--redis-timeout', '1000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => ((out += d), out.includes('listening') && resolve()));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  if (SKIP_WITHOUT_REDIS_CLUSTER) return;
  cluster = await startRedisCluster(['--cluster-require-full-coverage', 'no']);
}, 60_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await cluster?.stop();
});

const token = (base: string, session: string): Promise<Response> =>
  fetch(`${base}/v1/channel/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-session': session },
    body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
  });

describe.skipIf(SKIP_WITHOUT_REDIS_CLUSTER)('the live stream on a Redis Cluster', () => {
  test('kill -9 of the node B listens on: B’s /__mock/events still shows the calls A answers', async () => {
    const [A, B] = [await serve(), await serve()];
    const controller = new AbortController();
    const res = await fetch(`${B}/__mock/events?session=*`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    for (let i = 0; i < 100 && !text.includes('event: hello'); i++) await new Promise((r) => setTimeout(r, 20));
    // The one events connection (only B has a listener) and the node it is on.
    const lists = await Promise.all(
      cluster.nodes.map(async (n) => [n.port, await cluster.cli(n.port, 'CLIENT', 'LIST')] as const),
    );
    const listening = lists.filter(([, list]) => list.includes('name=contract-mock-events')).map(([port]) => port);
    expect(listening).toHaveLength(1);
    await cluster.kill(listening[0]!);
    // Calls on A in sessions whose masters are alive, until one shows on B's stream (within 20 s).
    const alive = async (s: string): Promise<boolean> =>
      (await cluster.masterOf(`{${PREFIX}:${s}}`).catch(() => -1)) !== listening[0];
    let seen = false;
    for (let i = 0; i < 100 && !seen; i++) {
      const session = `after-${i}`;
      if (await alive(session)) await token(A, session);
      await new Promise((r) => setTimeout(r, 200));
      seen = /event: call\ndata: .*"session":"after-/.test(text);
    }
    controller.abort();
    await pump;
    expect(seen).toBe(true);
  }, 60_000);
});
