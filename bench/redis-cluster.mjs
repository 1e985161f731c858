#!/usr/bin/env node
// `npm run bench:redis-cluster`: what serve --redis costs on one Redis and on a local Redis Cluster (three masters,
// three replicas of Debian's redis-server, on free loopback ports, no persistence), for sizing a team's set-up.
// Rows: one instance, and two instances behind a client-side round robin (half the connections each), on each
// store, all running (a) token calls with a session per connection (a team's many clients). Each row has req/s,
// p99, the instances' CPU per request and the store's (the Redis server, or all six cluster nodes: replicas
// apply every write too) per request, from /proc. The machine is shared: read the CPU columns, not req/s.
//
// Env: BENCH_DURATION (s per run, default 5), BENCH_CONNECTIONS (default 50), BENCH_ROUNDS (default 3; the median).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { JSON_TYPE, TOKEN_BODY } from './workloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'contract-mock.js');
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const REDIS_CLI = ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'].find((p) => existsSync(p));
/** Whether this machine can start a cluster (bench.mjs leaves its cluster row out otherwise). */
export const CAN_START_CLUSTER = Boolean(REDIS_SERVER && REDIS_CLI);
const run = promisify(execFile);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
/** Processes' CPU time so far (user + system), in µs. */
const cpuOf = (pids) =>
  pids.reduce((sum, pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return sum + ((Number(f[11]) + Number(f[12])) * 1e6) / TICKS_PER_S;
  }, 0);

function bindable(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
/** A free port below the ephemeral range whose cluster bus port (+10000) is free too. */
async function freePort(taken = []) {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 2_700);
    if (!taken.includes(port) && (await bindable(port)) && (await bindable(port + 10_000))) return port;
  }
}
const ping = async (port) =>
  (await run(REDIS_CLI, ['-p', String(port), 'PING']).catch(() => ({ stdout: '' }))).stdout.trim() === 'PONG';

function redisNode(port, args, dir) {
  return spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args],
    { stdio: 'ignore' },
  );
}

async function singleRedis(dir) {
  const port = await freePort();
  const child = redisNode(port, [], dir);
  while (!(await ping(port))) await pause(50);
  return { url: `redis://127.0.0.1:${port}`, pids: [child.pid], children: [child] };
}

/** Three masters and three replicas in `dir`, joined and synced: their first node's URL, pids and processes. */
export async function redisCluster(dir) {
  const ports = [];
  while (ports.length < 6) ports.push(await freePort(ports));
  const children = ports.map((p) =>
    redisNode(
      p,
      [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${p}.conf`,
        '--cluster-node-timeout',
        '2000',
        '--repl-diskless-sync-delay',
        '0',
      ],
      dir,
    ),
  );
  for (const p of ports) while (!(await ping(p))) await pause(50);
  await run(REDIS_CLI, [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  for (;;) {
    const infos = await Promise.all(
      ports.map(
        async (p) =>
          (await run(REDIS_CLI, ['-p', String(p), 'CLUSTER', 'INFO'])).stdout +
          (await run(REDIS_CLI, ['-p', String(p), 'INFO', 'replication'])).stdout,
      ),
    );
    if (
      infos.every(
        (t) => t.includes('cluster_state:ok') && (t.includes('role:master') || t.includes('master_link_status:up')),
      )
    )
      break;
    await pause(100);
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, pids: children.map((c) => c.pid), children };
}

async function serve(url, prefix) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', String(port), '--redis', url, '--redis-prefix', prefix],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/__mock/health`)).status === 200) break;
    } catch {
      /* not yet */
    }
    await pause(50);
  }
  return { child, base: `http://127.0.0.1:${port}` };
}

let sessions = 0;
function load(base, connections, duration = DURATION) {
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${base}/v1/channel/token`,
        method: 'POST',
        headers: JSON_TYPE,
        body: TOKEN_BODY,
        connections,
        duration,
        setupClient: (c) => c.setHeaders({ ...JSON_TYPE, 'x-mock-session': `bench-${++sessions}` }),
      },
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
}

async function measure(instances, store) {
  const pids = instances.map((i) => i.child.pid);
  const [before, storeBefore] = [cpuOf(pids), cpuOf(store.pids)];
  const nodesBefore = store.pids.map((pid) => cpuOf([pid]));
  const half = Math.max(1, Math.floor(CONNECTIONS / instances.length));
  const rs = await Promise.all(instances.map((i) => load(i.base, half)));
  const requests = rs.reduce((n, r) => n + r.requests.total, 0);
  return {
    reqPerSec: Math.round(rs.reduce((n, r) => n + r.requests.average, 0)),
    p99ms: Math.max(...rs.map((r) => r.latency.p99)),
    errors: rs.reduce((n, r) => n + r.errors + r.timeouts + (r.non2xx ?? 0), 0),
    cpuUsPerReq: Math.round((cpuOf(pids) - before) / requests),
    storeCpuUsPerReq: Math.round((cpuOf(store.pids) - storeBefore) / requests),
    busiestNodeCpuUsPerReq: Math.round(
      Math.max(...store.pids.map((pid, i) => cpuOf([pid]) - nodesBefore[i])) / requests,
    ),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!CAN_START_CLUSTER) throw new Error('redis-server and redis-cli are needed (apt-get install redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'cm-bench-cluster-'));
  const stores = {
    'one Redis': await singleRedis(dir),
    'Redis Cluster (3 masters + 3 replicas)': await redisCluster(dir),
  };
  const rows = [];
  try {
    for (const [name, store] of Object.entries(stores)) {
      const one = [await serve(store.url, 'bench-one')];
      const two = [await serve(store.url, 'bench-two'), await serve(store.url, 'bench-two')];
      for (const [label, instances] of [
        ['× 1', one],
        ['× 2', two],
      ]) {
        for (const i of instances)
          await load(i.base, Math.max(1, Math.floor(CONNECTIONS / instances.length)), Math.min(2, DURATION));
        const runs = [];
        for (let r = 0; r < ROUNDS; r++) runs.push(await measure(instances, store));
        const row = {
          store: name,
          instances: label,
          ...Object.fromEntries(
            Object.keys(runs[0]).map((k) => [
              k,
              k === 'errors' ? runs.reduce((n, x) => n + x.errors, 0) : median(runs.map((x) => x[k])),
            ]),
          ),
        };
        rows.push(row);
        process.stderr.write(
          `  ${name} ${label}: ${row.reqPerSec} req/s, p99 ${row.p99ms} ms, ${row.cpuUsPerReq} µs CPU/request (+ ${row.storeCpuUsPerReq} in the store, ${row.busiestNodeCpuUsPerReq} on its busiest node)\n`,
        );
      }
      for (const i of [...one, ...two]) i.child.kill('SIGKILL');
    }
  } finally {
    for (const s of Object.values(stores)) for (const c of s.children) c.kill('SIGKILL');
    await pause(200);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`(a) token, a session per connection, ${CONNECTIONS} connections, median of ${ROUNDS} × ${DURATION} s\n`);
  console.log(
    '| store | instances | req/s | p99 ms | CPU µs/req (instances) | CPU µs/req (store, all nodes) | busiest node | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.store} | ${r.instances} | ${r.reqPerSec} | ${r.p99ms} | ${r.cpuUsPerReq} | ${r.storeCpuUsPerReq} | ${r.busiestNodeCpuUsPerReq} | ${r.errors} |`,
    );
}

// Run as a script (npm run bench:redis-cluster); bench.mjs imports redisCluster only.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
