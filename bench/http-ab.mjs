#!/usr/bin/env node
// `node bench/http-ab.mjs OTHER_ROOT`: `npm run bench`'s workloads (a)-(c) over HTTP against this build's
// `serve` and another checkout's, rounds alternating, so a busy neighbour slows both alike: the number
// to check a change against the 5 % rule with, when the full bench (Prism, the ceiling, Redis) is too long.
// Prints each build's median req/s, p99 and CPU per request (the serve process's user + system time over the
// round / requests answered: what a busy neighbour moves far less than req/s) and the ratios this / other. Both
// builds run this checkout's workloads (bench/workloads.mjs): the instrument stays, the build changes.
//
// Env: BENCH_DURATION (s per round, default 3), BENCH_ROUNDS (per build, default 5), BENCH_CONNECTIONS (default 50),
// BENCH_WORKLOADS (default a,b,c; d and e serve petstore with --spec beside the four, as bench.mjs does).
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PET_BODY, petstoreServeFlags, prepareWorkloads, succeeded } from './workloads.mjs';
import { cpuUs, freePort } from './proc.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const other = process.argv[2] ? resolve(process.argv[2]) : undefined;
if (!other) {
  console.error('usage: node bench/http-ab.mjs OTHER_ROOT   (a checkout with dist/ built)');
  process.exit(2);
}
const DURATION = Number(process.env.BENCH_DURATION ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'a,b,c').split(',');

const GENERIC = WORKLOADS.some((k) => k === 'd' || k === 'e');

/** (d), (e) as bench.mjs serves them: petstore with --spec, its caps lifted (every POST creates a pet); a build without the byte budgets is not given their flags. */
function genericFlags(root) {
  const help = spawnSync(process.execPath, [join(root, 'bin', 'contract-mock.js'), 'serve', '--help'], {
    encoding: 'utf8',
  }).stdout;
  return petstoreServeFlags(root, { budgets: help.includes('--max-state-bytes') });
}

async function serve(root) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(port), ...(GENERIC ? genericFlags(root) : [])],
    { stdio: 'ignore' },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/__mock/health`)).ok) break;
    } catch {
      /* not yet listening */
    }
    if (i > 3000) throw new Error(`${root}: serve did not start`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const loads = await prepareWorkloads(async (path, headers, body) =>
    (await fetch(base + path, { method: 'POST', headers, body })).json(),
  );
  if (GENERIC) {
    const json = { 'content-type': 'application/json' };
    await fetch(`${base}/api/pets`, { method: 'POST', headers: json, body: PET_BODY });
    loads.push(
      { key: 'd', name: '(d) petstore GET /pets/{id}', method: 'GET', path: '/api/pets/1' },
      { key: 'e', name: '(e) petstore POST /pets', method: 'POST', path: '/api/pets', headers: json, body: PET_BODY },
    );
  }
  return { child, base, loads: Object.fromEntries(loads.map((w) => [w.key, w])) };
}

const run = (url, w, duration) =>
  new Promise((ok, fail) =>
    autocannon(
      { url, connections: CONNECTIONS, duration, method: w.method, headers: w.headers, body: w.body },
      (e, r) => (e ? fail(e) : ok(r)),
    ),
  );
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const builds = [await serve(here), await serve(other)];
try {
  for (const key of WORKLOADS) {
    for (const b of builds) await run(b.base + b.loads[key].path, b.loads[key], 2);
    const rps = [[], []];
    const p99 = [[], []];
    const cpu = [[], []];
    for (let r = 0; r < ROUNDS * 2; r++) {
      // ABBA order, so neither build always goes first.
      const i = [0, 1, 1, 0][r % 4];
      const w = builds[i].loads[key];
      const c0 = cpuUs(builds[i].child.pid);
      const res = await run(builds[i].base + w.path, w, DURATION);
      cpu[i].push((cpuUs(builds[i].child.pid) - c0) / res.requests.total);
      rps[i].push(res.requests.average);
      p99[i].push(res.latency.p99);
    }
    // (a)-(c) must still answer success after the rounds, or the ratio compares error answers (workloads.mjs).
    for (const b of builds) {
      const w = b.loads[key];
      if (key > 'c') continue;
      const body = await fetch(b.base + w.path, { method: w.method, headers: w.headers, body: w.body }).then((r) =>
        r.json(),
      );
      if (!succeeded(body)) throw new Error(`${b.base} ${w.name}: answered ${JSON.stringify(body)} after its rounds`);
    }
    const [mine, theirs] = rps.map(median);
    const [myCpu, theirCpu] = cpu.map(median);
    console.log(
      `${builds[0].loads[key].name.padEnd(32)} this ${Math.round(mine)} req/s (p99 ${median(p99[0])} ms, ${myCpu.toFixed(1)} µs CPU/req), other ${Math.round(theirs)} req/s (p99 ${median(p99[1])} ms, ${theirCpu.toFixed(1)} µs CPU/req), req/s ratio ${(mine / theirs).toFixed(3)}, CPU/req ratio ${(myCpu / theirCpu).toFixed(3)}`,
    );
  }
} finally {
  for (const b of builds) b.child.kill('SIGKILL');
}
