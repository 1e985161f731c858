#!/usr/bin/env node
// `node bench/http-ab.mjs OTHER_ROOT`: `npm run bench`'s workloads (a)-(c) over HTTP against this build's
// `serve` and another checkout's, rounds alternating, so a busy neighbour slows both alike: the number
// to check a change against the 5 % rule with, when the full bench (Prism, the ceiling, Redis) is too long.
// Prints each build's median req/s and p99 and the ratio this / other.
//
// Env: BENCH_DURATION (s per round, default 3), BENCH_ROUNDS (per build, default 5), BENCH_CONNECTIONS (default 50), BENCH_WORKLOADS (default a,b,c).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

const freePort = () => new Promise((ok) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); }); });

async function serve(root) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(port)], { stdio: 'ignore' });
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
  const { prepareWorkloads } = await import(pathToFileURL(join(root, 'bench', 'workloads.mjs')).href);
  const loads = await prepareWorkloads(async (path, headers, body) => (await fetch(base + path, { method: 'POST', headers, body })).json());
  return { child, base, loads: Object.fromEntries(loads.map((w) => [w.key, w])) };
}

const run = (url, w, duration) => new Promise((ok, fail) => autocannon({ url, connections: CONNECTIONS, duration, method: w.method, headers: w.headers, body: w.body }, (e, r) => (e ? fail(e) : ok(r))));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const builds = [await serve(here), await serve(other)];
try {
  for (const key of WORKLOADS) {
    for (const b of builds) await run(b.base + b.loads[key].path, b.loads[key], 2);
    const rps = [[], []];
    const p99 = [[], []];
    for (let r = 0; r < ROUNDS * 2; r++) {
      // ABBA order, so neither build always goes first.
      const i = [0, 1, 1, 0][r % 4];
      const w = builds[i].loads[key];
      const res = await run(builds[i].base + w.path, w, DURATION);
      rps[i].push(res.requests.average);
      p99[i].push(res.latency.p99);
    }
    const [mine, theirs] = rps.map(median);
    console.log(`${builds[0].loads[key].name.padEnd(32)} this ${Math.round(mine)} req/s (p99 ${median(p99[0])} ms), other ${Math.round(theirs)} req/s (p99 ${median(p99[1])} ms), ratio ${(mine / theirs).toFixed(3)}`);
  }
} finally {
  for (const b of builds) b.child.kill('SIGKILL');
}
