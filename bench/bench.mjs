#!/usr/bin/env node
// `npm run bench`: contract-mock against Prism (the tool users would pick instead) and a bare node:http
// server (this machine's ceiling), on loopback, in one run. Prints a table with ratios and writes
// bench/results.json. Targets (issue 7) are checked here, never in timed tests.
//
// Env: BENCH_DURATION (s per run, default 5), BENCH_ROUNDS (runs per target and workload, default 3),
// BENCH_CONNECTIONS (default 50), BENCH_MILLION (journaled calls for the memory run, default 1000000),
// BENCH_STARTUPS (startup samples, default 5), BENCH_REDIS (0: leave out the serve --redis rows; they need
// Debian's redis-server, started here on a free port without persistence).
//
// serve --redis rows: one instance on Redis, and two instances on one Redis behind a round-robin client
// (half the connections to each; every connection keeps its instance, as a client-side round robin does).
// The two-instance row's req/s is the sum of both halves, its p50/p99 the worse of the two. (a) runs once more
// with a session per connection (a team's many clients): one session's calls queue on its lock whatever the
// number of instances, so only this row can show what a second instance adds; it has one more row, two instances
// on a local Redis Cluster (three masters, three replicas; needs redis-cli too), whose Redis CPU is all six nodes'.
//
// The machines are shared: another tenant's burst can halve one run. Each workload is therefore run in
// rounds that take every target in turn (contract-mock, both Prisms, the ceiling), and each target's row
// is its median round, so a burst costs one round of every target rather than one target's only run.
// Each row also has the server's CPU per request (its /proc CPU time over the run / requests answered),
// which the shared machine moves far less than req/s; for a pair, both processes' CPU over both halves; for the
// --redis rows, the Redis server's own in brackets (what the shared store costs, and so how far it scales).
//
// BENCH_PIN=1 (with two or more cores and `taskset`) runs every server on core 0 and this process (the
// load generator) on core 1. Off by default: Prism, the reference, answers faster when it may use both
// cores, and the targets compare against its fastest configuration (bench/README.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { replaceBetween } from '../scripts/replace-between.mjs';
import {
  FORM_TYPE as formType,
  JSON_TYPE as json,
  PET_BODY,
  TOKEN_BODY,
  petstoreFile,
  petstoreServeFlags,
  prepareWorkloads,
  succeeded,
} from './workloads.mjs';
import { CAN_START_CLUSTER, redisCluster } from './redis-cluster.mjs';
import { cpuUs, freePort, rssMb } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const MILLION = Number(process.env.BENCH_MILLION ?? 1_000_000);
const STARTUPS = Number(process.env.BENCH_STARTUPS ?? 5);
const prismBin = join(root, 'node_modules', '.bin', 'prism');
const PIN =
  process.env.BENCH_PIN === '1' &&
  os.cpus().length >= 2 &&
  spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' }).status === 0;
const cli = join(root, 'bin', 'contract-mock.js');
/** Issue 27's fifth API, served from its document alone (the startup row with five documents). */
const FIFTH_API = join(root, 'examples', 'timetable.openapi.yaml');
const spec = (name) => join(root, 'specs', `${name}.openapi.yaml`);
// The generic-spec rows: a public document nobody here wrote, served with `serve --spec` and by `prism mock`.
const PETSTORE = petstoreFile(root);

const cpuOf = (pids) => {
  let sum = 0;
  for (const pid of pids) {
    const us = cpuUs(pid);
    if (us === null) return null;
    sum += us;
  }
  return sum;
};
/** The server's CPU per answered request over a run (µs): what a target costs, whether or not the load generator kept it busy. */
const cpuPerRequest = (before, after, requests) =>
  before === null || after === null || !requests ? null : Math.round((after - before) / requests);

/** Starts a server process and resolves once `probe` answers 200; returns the time that took. */
async function start(command, args, probe, env = {}) {
  const t0 = performance.now();
  // taskset execs the command, so the child's pid is the server's (for its RSS).
  const [file, argv] = PIN ? ['taskset', ['-c', '0', command, ...args]] : [command, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited: ${stderr}`);
    try {
      const res = await fetch(probe.url, { method: probe.method ?? 'GET', headers: probe.headers, body: probe.body });
      if (res.status === 200) return { child, startupMs: performance.now() - t0 };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
    if (performance.now() - t0 > 30_000) throw new Error(`${command} did not start within 30 s: ${stderr}`);
  }
}

const stop = (child) =>
  new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGKILL'))));

/** The fixed envelope the ceiling server answers, as contract-mock answers (a). */
const CEILING = `
const http = require('node:http');
const body = JSON.stringify({ status: 200, message: 'success', data: { access_token: 'x'.repeat(40), expire: '2018-07-18 17:08:43', expires_in: 7200 } });
http.createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('content-type', 'application/json;charset=UTF-8'); res.setHeader('content-length', Buffer.byteLength(body)); res.end(body); }); }).listen(Number(process.argv[1]), '127.0.0.1');
`;

/** Sessions named so far by `sessions: true` workloads: every connection of every run gets a new one. */
let sessionsMade = 0;

function run(url, { sessions, ...opts }) {
  // A workload with `sessions: true` sends each connection's calls in a session of its own.
  const setupClient = sessions
    ? (client) => client.setHeaders({ ...opts.headers, 'x-mock-session': `bench-${++sessionsMade}` })
    : undefined;
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: CONNECTIONS, duration: DURATION, ...opts, ...(setupClient && { setupClient }) },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Warms a target up on a workload (JIT, caches) before its measured rounds. */
async function warmUp(target, workload) {
  await run(target.base + workload.path, {
    method: workload.method,
    headers: workload.headers,
    body: workload.body,
    sessions: workload.sessions,
    duration: Math.min(2, DURATION),
  });
}

/** One measured run. */
async function measure(label, target, workload) {
  const pids = (target.pair ?? [target]).map((t) => t.child.pid);
  const before = cpuOf(pids);
  // A cluster's CPU is all its nodes' (replicas apply every write too).
  const redisPids = target.redisPids ?? (target.redisPid ? [target.redisPid] : undefined);
  const redisBefore = redisPids ? cpuOf(redisPids) : null;
  /** What the run cost per answered request: the target's processes, and Redis's for a --redis target. */
  const cost = (requests) => ({
    cpuUsPerReq: cpuPerRequest(before, cpuOf(pids), requests),
    ...(redisPids && { redisCpuUsPerReq: cpuPerRequest(redisBefore, cpuOf(redisPids), requests) }),
  });
  if (target.pair) {
    const half = Math.max(1, Math.floor(CONNECTIONS / 2));
    const rs = await Promise.all(
      target.pair.map((t) =>
        run(t.base + workload.path, {
          method: workload.method,
          headers: workload.headers,
          body: workload.body,
          sessions: workload.sessions,
          connections: half,
        }),
      ),
    );
    return {
      reqPerSec: Math.round(rs.reduce((n, r) => n + r.requests.average, 0)),
      p50ms: Math.max(...rs.map((r) => r.latency.p50)),
      p99ms: Math.max(...rs.map((r) => r.latency.p99)),
      errors: rs.reduce((n, r) => n + r.errors + r.timeouts + (r.non2xx ?? 0), 0),
      rssMb: target.pair.reduce((n, t) => n + (rssMb(t.child.pid) ?? 0), 0),
      ...cost(rs.reduce((n, r) => n + r.requests.total, 0)),
    };
  }
  const r = await run(target.base + workload.path, {
    method: workload.method,
    headers: workload.headers,
    body: workload.body,
    sessions: workload.sessions,
  });
  return {
    reqPerSec: Math.round(r.requests.average),
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    errors: r.errors + r.timeouts + (r.non2xx ?? 0),
    rssMb: rssMb(target.child.pid),
    ...cost(r.requests.total),
  };
}

/** The median of a measure over the rounds; null when a round could not take it (no /proc). */
const medianOrNull = (runs, key) => (runs.some((r) => r[key] === null) ? null : median(runs.map((r) => r[key])));

/** A target's row: the median of its rounds (req/s and latencies each), errors summed, the last RSS. */
function rowOf(label, workload, runs) {
  const row = {
    target: label,
    workload: workload.name,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p50ms: median(runs.map((r) => r.p50ms)),
    p99ms: median(runs.map((r) => r.p99ms)),
    cpuUsPerReq: medianOrNull(runs, 'cpuUsPerReq'),
    ...('redisCpuUsPerReq' in runs[0] && { redisCpuUsPerReq: medianOrNull(runs, 'redisCpuUsPerReq') }),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    rssMb: runs.at(-1).rssMb,
    rounds: runs.map((r) => r.reqPerSec),
  };
  process.stderr.write(
    `  ${label} ${workload.name}: ${row.reqPerSec} req/s (rounds ${row.rounds.join(', ')}), p99 ${row.p99ms} ms, ${row.cpuUsPerReq} µs CPU/request\n`,
  );
  return row;
}

async function contractMock(extraEnv = {}, extraArgs = []) {
  const port = await freePort();
  const { child, startupMs } = await start(
    process.execPath,
    [cli, 'serve', '--port', String(port), ...extraArgs],
    { url: `http://127.0.0.1:${port}/__mock/health` },
    extraEnv,
  );
  return { child, startupMs, base: `http://127.0.0.1:${port}` };
}

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

/** A redis-server for the --redis rows: no persistence, loopback only, on a free port. */
async function redisServer() {
  const port = await freePort();
  const [file, argv] = PIN ? ['taskset', ['-c', '0', REDIS_SERVER]] : [REDIS_SERVER, []];
  const child = spawn(
    file,
    [...argv, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await new Promise((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
      s.on('data', (d) => (s.destroy(), resolve(String(d).startsWith('+PONG'))));
      s.on('error', () => resolve(false));
    });
    if (ok) return { child, url };
    if (i > 200) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Two instances as one target: measured with half the connections on each, summed. */
function pairTarget(a, b) {
  return { pair: [a, b], child: a.child, base: a.base };
}

async function prism(specName, flags) {
  const port = await freePort();
  if (specName === 'petstore') {
    const { child, startupMs } = await start(
      prismBin,
      ['mock', '-h', '127.0.0.1', '-p', String(port), ...flags, PETSTORE],
      { url: `http://127.0.0.1:${port}/pets/1` },
    );
    return { child, startupMs, base: `http://127.0.0.1:${port}` };
  }
  const probe =
    specName === 'platform-sync'
      ? { url: `http://127.0.0.1:${port}/v1/channel/token`, method: 'POST', headers: json, body: TOKEN_BODY }
      : {
          url: `http://127.0.0.1:${port}/datasyn/user/login`,
          method: 'POST',
          headers: formType,
          body: 'loginName=a&password=b&synDevice=c',
        };
  const { child, startupMs } = await start(
    prismBin,
    ['mock', '-h', '127.0.0.1', '-p', String(port), ...flags, spec(specName)],
    probe,
  );
  return { child, startupMs, base: `http://127.0.0.1:${port}` };
}

/** Workloads (a), (b), (c) on one target, over HTTP. */
function workloads(base) {
  return prepareWorkloads((path, headers, body) =>
    fetch(`${base}${path}`, { method: 'POST', headers, body })
      .then((r) => r.json())
      .catch(() => undefined),
  );
}

async function main() {
  const results = {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
      pinned: PIN,
    },
    date: new Date().toISOString(),
    durationS: DURATION,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    rows: [],
    startup: {},
    memory: {},
  };

  process.stderr.write('startup (time to the first 200)\n');
  const startups = { 'contract-mock': [], five: [], prism: [] };
  for (let i = 0; i < STARTUPS; i++) {
    const m = await contractMock();
    startups['contract-mock'].push(m.startupMs);
    await stop(m.child);
    // Issue 27: the four and a fifth API from its document alone (YAML, declared state), read on a worker thread.
    const f = await contractMock({}, ['--spec', FIFTH_API]);
    startups.five.push(f.startupMs);
    await stop(f.child);
    const p = await prism('platform-sync', ['-v', 'silent']);
    startups['prism'].push(p.startupMs);
    await stop(p.child);
  }
  results.startup = {
    'contract-mock': Math.round(median(startups['contract-mock'])),
    'contract-mock, five documents': Math.round(median(startups.five)),
    prism: Math.round(median(startups.prism)),
  };
  process.stderr.write(
    `  contract-mock ${results.startup['contract-mock']} ms (five documents ${results.startup['contract-mock, five documents']} ms), prism ${results.startup.prism} ms\n`,
  );

  process.stderr.write('throughput\n');
  const ceilingPort = await freePort();
  const ceiling = {
    ...(await start(process.execPath, ['-e', CEILING, String(ceilingPort)], {
      url: `http://127.0.0.1:${ceilingPort}/`,
    })),
    base: `http://127.0.0.1:${ceilingPort}`,
  };
  const mock = await contractMock();
  const mockLoads = await workloads(mock.base);
  const withRedis = process.env.BENCH_REDIS !== '0' && REDIS_SERVER;
  if (!withRedis)
    process.stderr.write(
      `  (no serve --redis rows: ${REDIS_SERVER ? 'BENCH_REDIS=0' : 'redis-server is not installed'})\n`,
    );
  const redis = withRedis ? await redisServer() : undefined;
  const redisArgs = (prefix) => ['--redis', redis.url, '--redis-prefix', prefix];
  // The Redis server's own CPU is measured beside theirs: what the shared store costs per request, and so how far it scales.
  const redisOne = redis && { ...(await contractMock({}, redisArgs('bench-one'))), redisPid: redis.child.pid };
  const redisPair = redis && {
    ...pairTarget(await contractMock({}, redisArgs('bench-two')), await contractMock({}, redisArgs('bench-two'))),
    redisPid: redis.child.pid,
  };
  const prisms = {
    'prism (default: static, logging)': {
      'platform-sync': await prism('platform-sync', []),
      'ios-datasyn': await prism('ios-datasyn', []),
    },
    'prism (static, logging off)': {
      'platform-sync': await prism('platform-sync', ['-v', 'silent']),
      'ios-datasyn': await prism('ios-datasyn', ['-v', 'silent']),
    },
  };
  for (const w of mockLoads) {
    // Every target with its own copy of the workload (tokens are the target's own).
    const targets = [['contract-mock', mock, w]];
    if (redis) {
      // Tokens issued through one instance of a pair are valid on the other (one shared store).
      targets.push([
        'contract-mock + Redis',
        redisOne,
        (await workloads(redisOne.base)).find((x) => x.name === w.name),
      ]);
      targets.push([
        'contract-mock × 2 + Redis',
        redisPair,
        (await workloads(redisPair.pair[0].base)).find((x) => x.name === w.name),
      ]);
    }
    for (const [label, byApi] of Object.entries(prisms)) {
      const target = w.path.startsWith('/datasyn') ? byApi['ios-datasyn'] : byApi['platform-sync'];
      targets.push([label, target, (await workloads(target.base)).find((x) => x.name === w.name)]);
    }
    targets.push(['node:http ceiling', ceiling, w]);
    process.stderr.write(`  ${w.name}: warm-up, then ${ROUNDS} rounds of ${DURATION} s per target\n`);
    for (const [, target, load] of targets) for (const t of target.pair ?? [target]) await warmUp(t, load);
    const runs = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [label, target, load]] of targets.entries()) runs[i].push(await measure(label, target, load));
    }
    for (const [i, [label]] of targets.entries()) results.rows.push(rowOf(label, w, runs[i]));
    // A workload answered with an error after its runs measured the error, not the call: stop rather than report it.
    for (const [label, target, load] of targets.filter(([label]) => label.startsWith('contract-mock'))) {
      const base = target.pair?.[0].base ?? target.base;
      const body = await fetch(`${base}${load.path}`, { method: 'POST', headers: load.headers, body: load.body })
        .then((r) => r.json())
        .catch(() => undefined);
      if (!succeeded(body)) throw new Error(`${label} ${w.name}: answered ${JSON.stringify(body)} after its runs`);
    }
  }
  results.memory.afterThroughputRunsMb = rssMb(mock.child.pid);

  // (d), (e): a generic spec (petstore) served statefully by contract-mock, statically by Prism (logging off).
  // Prism serves the paths without the servers path; contract-mock mounts them at it (/api). Every POST creates a pet.
  const served = await contractMock({}, petstoreServeFlags(root));
  await fetch(`${served.base}/api/pets`, { method: 'POST', headers: json, body: PET_BODY });
  const petPrism = await prism('petstore', ['-v', 'silent']);
  const generic = [
    {
      name: '(d) petstore GET /pets/{id}',
      mock: { method: 'GET', path: '/api/pets/1' },
      prism: { method: 'GET', path: '/pets/1' },
    },
    {
      name: '(e) petstore POST /pets',
      mock: { method: 'POST', path: '/api/pets', headers: json, body: PET_BODY },
      prism: { method: 'POST', path: '/pets', headers: json, body: PET_BODY },
    },
  ];
  for (const g of generic) {
    const targets = [
      ['contract-mock --spec', served, g.mock],
      ['prism (static, logging off)', petPrism, g.prism],
    ];
    process.stderr.write(`  ${g.name}: warm-up, then ${ROUNDS} rounds of ${DURATION} s per target\n`);
    for (const [, target, load] of targets) await warmUp(target, load);
    const runs = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, [label, target, load]] of targets.entries()) runs[i].push(await measure(label, target, load));
    for (const [i, [label]] of targets.entries()) results.rows.push(rowOf(label, g, runs[i]));
  }
  await stop(petPrism.child);
  await stop(served.child);

  // A team's use of a shared mock: many clients at once, each in its own session (X-Mock-Session), so the
  // instances do not queue on one session's lock. Token calls (a), which need no per-session set-up.
  const perSession = { ...mockLoads[0], name: '(a) token, a session per connection', sessions: true };
  // The same with two instances on a local Redis Cluster (three masters, three replicas): its row's Redis CPU is all six nodes'.
  const clusterDir = redis && CAN_START_CLUSTER ? mkdtempSync(join(tmpdir(), 'cm-bench-cluster-')) : undefined;
  const cluster = clusterDir && (await redisCluster(clusterDir));
  const clusterPair = cluster && {
    ...pairTarget(
      await contractMock({}, ['--redis', cluster.url, '--redis-prefix', 'bench-cluster']),
      await contractMock({}, ['--redis', cluster.url, '--redis-prefix', 'bench-cluster']),
    ),
    redisPids: cluster.pids,
  };
  if (redis) {
    const targets = [
      ['contract-mock', mock],
      ['contract-mock + Redis', redisOne],
      ['contract-mock × 2 + Redis', redisPair],
      ...(clusterPair ? [['contract-mock × 2 + Redis Cluster', clusterPair]] : []),
    ];
    process.stderr.write(`  ${perSession.name}: warm-up, then ${ROUNDS} rounds of ${DURATION} s per target\n`);
    for (const [, target] of targets) for (const t of target.pair ?? [target]) await warmUp(t, perSession);
    const runs = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, [label, target]] of targets.entries()) runs[i].push(await measure(label, target, perSession));
    for (const [i, [label]] of targets.entries()) results.rows.push(rowOf(label, perSession, runs[i]));
  }
  for (const byApi of Object.values(prisms)) for (const t of Object.values(byApi)) await stop(t.child);
  await stop(ceiling.child);
  await stop(mock.child);
  if (redis) {
    for (const t of [redisOne, ...redisPair.pair]) await stop(t.child);
    await stop(redis.child);
  }
  if (cluster) {
    for (const t of clusterPair.pair) await stop(t.child);
    for (const c of cluster.children) await stop(c);
    rmSync(clusterDir, { recursive: true, force: true });
  }

  process.stderr.write(`memory: ${MILLION} journaled calls\n`);
  const big = await contractMock();
  const t0 = performance.now();
  await new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${big.base}/v1/channel/token`,
        connections: CONNECTIONS,
        amount: MILLION,
        method: 'POST',
        headers: json,
        body: TOKEN_BODY,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );
  const health = await (await fetch(`${big.base}/__mock/health`)).json();
  results.memory = {
    ...results.memory,
    calls: MILLION,
    seconds: Math.round((performance.now() - t0) / 1000),
    rssMb: rssMb(big.child.pid),
    journal: health.journal,
  };
  await stop(big.child);

  // Ratios and targets.
  const get = (target, workload) => results.rows.find((r) => r.target === target && r.workload === workload);
  const fasterPrism = (w) => Math.max(...Object.keys(prisms).map((p) => get(p, w).reqPerSec));
  // CPU per request, Prism's over contract-mock's: how many more requests the mock answers per core-second, whatever the load generator could send.
  const cpuRatio = (prismRow, mockRow) =>
    prismRow.cpuUsPerReq && mockRow.cpuUsPerReq ? +(prismRow.cpuUsPerReq / mockRow.cpuUsPerReq).toFixed(2) : null;
  // CPU per request, contract-mock's over another row's (the ceiling's): null without /proc.
  const cpuTimes = (mockRow, row) =>
    mockRow.cpuUsPerReq && row.cpuUsPerReq ? +(mockRow.cpuUsPerReq / row.cpuUsPerReq).toFixed(2) : null;
  const cheaperPrism = (w) =>
    Object.keys(prisms)
      .map((p) => get(p, w))
      .sort((x, y) => (x.cpuUsPerReq ?? Infinity) - (y.cpuUsPerReq ?? Infinity))[0];
  results.ratios = Object.fromEntries(
    mockLoads.map((w) => [
      w.name,
      {
        vsFasterPrism: +(get('contract-mock', w.name).reqPerSec / fasterPrism(w.name)).toFixed(2),
        cpuVsPrism: cpuRatio(cheaperPrism(w.name), get('contract-mock', w.name)),
        vsCeiling: +(get('contract-mock', w.name).reqPerSec / get('node:http ceiling', w.name).reqPerSec).toFixed(2),
      },
    ]),
  );
  for (const g of ['(d) petstore GET /pets/{id}', '(e) petstore POST /pets']) {
    // No ceiling row for these: the ceiling answers a fixed body, not a stateful store's.
    results.ratios[g] = {
      vsFasterPrism: +(
        get('contract-mock --spec', g).reqPerSec / get('prism (static, logging off)', g).reqPerSec
      ).toFixed(2),
      cpuVsPrism: cpuRatio(get('prism (static, logging off)', g), get('contract-mock --spec', g)),
      vsCeiling: null,
    };
  }
  const [a, , c] = mockLoads.map((w) => w.name);
  const inMemoryRows = results.rows.filter((r) => r.target === 'contract-mock' || r.target === 'contract-mock --spec');
  results.targets = [
    {
      target: '(a) >= 5x the faster Prism',
      value: results.ratios[a].vsFasterPrism,
      ok: results.ratios[a].vsFasterPrism >= 5,
    },
    {
      target: '(c) >= 5x the faster Prism',
      value: results.ratios[c].vsFasterPrism,
      ok: results.ratios[c].vsFasterPrism >= 5,
    },
    {
      target: '(d) petstore GET >= 5x Prism (static, logging off)',
      value: results.ratios['(d) petstore GET /pets/{id}'].vsFasterPrism,
      ok: results.ratios['(d) petstore GET /pets/{id}'].vsFasterPrism >= 5,
    },
    {
      target: '(e) petstore POST >= 5x Prism (static, logging off)',
      value: results.ratios['(e) petstore POST /pets'].vsFasterPrism,
      ok: results.ratios['(e) petstore POST /pets'].vsFasterPrism >= 5,
    },
    {
      target: '(a) >= 50% of the node:http ceiling',
      value: results.ratios[a].vsCeiling,
      ok: results.ratios[a].vsCeiling >= 0.5,
    },
    {
      target: '(a) >= 40% of the node:http ceiling (issue 26)',
      value: results.ratios[a].vsCeiling,
      ok: results.ratios[a].vsCeiling >= 0.4,
    },
    // Issue 26's "(a) under 35 µs" was set in a run where the ceiling took 14 µs a request: 2.5 times the ceiling's
    // CPU, a ratio that holds on a machine of any speed (on this one the ceiling takes 20-22 µs).
    {
      target: "(a) CPU per request <= 2.5x the node:http ceiling's (issue 26: 35 µs where the ceiling took 14)",
      value: cpuTimes(get('contract-mock', a), get('node:http ceiling', a)),
      ok: (cpuTimes(get('contract-mock', a), get('node:http ceiling', a)) ?? Infinity) <= 2.5,
    },
    // Issue 7's target is the in-memory mock's; the --redis rows have their own (p99 < 20 ms, below).
    {
      target: `p99 < 10 ms at ${CONNECTIONS} connections (all workloads, in memory)`,
      value: Math.max(...inMemoryRows.map((r) => r.p99ms)),
      ok: inMemoryRows.every((r) => r.p99ms < 10),
    },
    { target: 'startup < 500 ms', value: results.startup['contract-mock'], ok: results.startup['contract-mock'] < 500 },
    {
      target: 'startup, five documents (--spec examples/timetable.openapi.yaml) < 500 ms',
      value: results.startup['contract-mock, five documents'],
      ok: results.startup['contract-mock, five documents'] < 500,
    },
    { target: `RSS < 200 MB after ${MILLION} calls`, value: results.memory.rssMb, ok: results.memory.rssMb < 200 },
  ];
  if (get('contract-mock + Redis', a)) {
    const one = (w) => get('contract-mock + Redis', w).reqPerSec;
    const worst = (xs) => Math.min(...xs);
    results.targets.push(
      {
        target: 'one instance with Redis >= 50% of in-memory req/s (worst workload)',
        value: worst(mockLoads.map((w) => +(one(w.name) / get('contract-mock', w.name).reqPerSec).toFixed(2))),
        ok: mockLoads.every((w) => one(w.name) >= 0.5 * get('contract-mock', w.name).reqPerSec),
      },
      {
        target: 'one instance with Redis: p99 < 20 ms',
        value: Math.max(...mockLoads.map((w) => get('contract-mock + Redis', w.name).p99ms)),
        ok: mockLoads.every((w) => get('contract-mock + Redis', w.name).p99ms < 20),
      },
      {
        target: 'two instances >= 1.5x one (worst workload, one session)',
        value: worst(
          mockLoads.map((w) => +(get('contract-mock × 2 + Redis', w.name).reqPerSec / one(w.name)).toFixed(2)),
        ),
        ok: mockLoads.every((w) => get('contract-mock × 2 + Redis', w.name).reqPerSec >= 1.5 * one(w.name)),
      },
      {
        target: 'two instances >= 1.5x one (a session per connection)',
        value: +(get('contract-mock × 2 + Redis', perSession.name).reqPerSec / one(perSession.name)).toFixed(2),
        ok: get('contract-mock × 2 + Redis', perSession.name).reqPerSec >= 1.5 * one(perSession.name),
      },
    );
  }

  const lines = [];
  lines.push(
    `| target | workload | req/s | p50 ms | p99 ms | CPU µs/req (+ Redis) | RSS MB | errors |`,
    `|---|---|---:|---:|---:|---:|---:|---:|`,
  );
  const cpuCell = (r) => `${r.cpuUsPerReq ?? ''}${r.redisCpuUsPerReq != null ? ` (+ ${r.redisCpuUsPerReq})` : ''}`;
  for (const r of results.rows)
    lines.push(
      `| ${r.target} | ${r.workload} | ${r.reqPerSec} | ${r.p50ms} | ${r.p99ms} | ${cpuCell(r)} | ${r.rssMb ?? ''} | ${r.errors} |`,
    );
  lines.push(
    '',
    `| workload | contract-mock / faster Prism, req/s (petstore: / Prism static, logging off) | Prism's CPU per request / contract-mock's | contract-mock / node:http |`,
    `|---|---:|---:|---:|`,
  );
  for (const [w, r] of Object.entries(results.ratios))
    lines.push(
      `| ${w} | ${r.vsFasterPrism}× | ${r.cpuVsPrism === null ? '—' : `${r.cpuVsPrism}×`} | ${r.vsCeiling === null ? '—' : `${Math.round(r.vsCeiling * 100)}%`} |`,
    );
  const one = get('contract-mock + Redis', perSession.name);
  const two = get('contract-mock × 2 + Redis', perSession.name);
  if (one?.cpuUsPerReq && two?.cpuUsPerReq && two.redisCpuUsPerReq) {
    // What this machine cannot show by req/s (two instances, Redis and the load generator share two cores), by cost.
    lines.push(
      '',
      `Scaling (${perSession.name}): one instance spends ${one.cpuUsPerReq} µs of CPU per request, two ${two.cpuUsPerReq} µs (on whichever answers it); Redis ${two.redisCpuUsPerReq} µs. With a core per instance, instances add about ${Math.round(1e6 / two.cpuUsPerReq)} req/s each until one Redis core, at about ${Math.round(1e6 / two.redisCpuUsPerReq)} req/s, is the limit.`,
    );
  }
  lines.push(
    '',
    `Startup to the first 200 (median of ${STARTUPS}): contract-mock ${results.startup['contract-mock']} ms, with a fifth document (--spec examples/timetable.openapi.yaml) ${results.startup['contract-mock, five documents']} ms; Prism ${results.startup.prism} ms.`,
  );
  lines.push(
    `RSS after ${MILLION} journaled calls: ${results.memory.rssMb} MB (journal ${results.memory.journal?.records} records kept, ${results.memory.journal?.evicted} evicted).`,
  );
  lines.push('', `| target | value | met |`, `|---|---:|---|`);
  for (const t of results.targets) lines.push(`| ${t.target} | ${t.value} | ${t.ok ? 'yes' : 'NO'} |`);
  lines.push(
    '',
    `Machine: ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memGb} GiB, Node ${results.machine.node}, ${results.machine.platform}; ${PIN ? 'servers on core 0, autocannon on core 1' : 'unpinned'}; ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${DURATION}-s runs per target, ${results.date}.`,
  );
  results.markdown = lines.join('\n');
  writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  // docs/benchmarks.md shows the latest table, with the machine it ran on.
  const readmeFile = join(root, 'docs', 'benchmarks.md');
  const readme = readFileSync(readmeFile, 'utf8');
  const marks = ['<!-- bench:start -->', '<!-- bench:end -->'];
  if (readme.includes(marks[0]))
    writeFileSync(readmeFile, replaceBetween(readme, marks[0], marks[1], results.markdown));
  console.log(results.markdown);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
