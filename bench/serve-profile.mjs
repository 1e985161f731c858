#!/usr/bin/env node
// `node bench/serve-profile.mjs [WORKLOAD] [SECONDS]` (after `npm run build`): bench:cpu's split by stage, but of
// `serve` under autocannon (50 connections), so node:http's parsing and writing have their row. Starts this build's
// serve with `--cpu-prof` on a free loopback port, runs one workload for SECONDS (default 8): (a), (b) or (c) of
// bench/workloads.mjs (default a), or (d) or (e), petstore served with --spec beside the four as http-ab.mjs and
// bench.mjs serve it. Then stops serve with SIGINT (the profile is written on exit) and prints the server's CPU per
// request (/proc, user + system, the profiler's own cost included) and the split (cpu-stages.mjs), start-up left out.
//
// Env: CPU_ROOT (another checkout's build to profile instead), CPU_PROFILE_INTERVAL (µs between samples, default
// 100), CPU_PROFILE_DIR (where the .cpuprofile is kept; default a temporary folder), CPU_TOP (functions listed per
// stage, default 5).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitByStage, stageTable, topFunctions } from './cpu-stages.mjs';
import { JSON_TYPE, PET_BODY, petstoreServeFlags, prepareWorkloads } from './workloads.mjs';
import { cpuUs, freePort } from './proc.mjs';

// CPU_ROOT: another checkout's built tree (its serve, its node_modules), to profile two builds with this same script.
const root = process.env.CPU_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = process.argv[2] ?? 'a';
const SECONDS = Number(process.argv[3] ?? 8);
const INTERVAL = Number(process.env.CPU_PROFILE_INTERVAL ?? 100);
const DIR = process.env.CPU_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'serve-profile-'));
const TOP = Number(process.env.CPU_TOP ?? 5);

const port = await freePort();
// (d), (e) as http-ab.mjs and bench.mjs serve them: petstore with --spec, every POST creating a pet.
const GENERIC = KEY === 'd' || KEY === 'e';
const genericFlags = petstoreServeFlags(root);
const args = [
  '--cpu-prof',
  '--cpu-prof-interval',
  String(INTERVAL),
  '--cpu-prof-dir',
  DIR,
  join(root, 'bin', 'contract-mock.js'),
  'serve',
  '--port',
  String(port),
  ...(GENERIC ? genericFlags : []),
];
const child = spawn(process.execPath, args, { stdio: 'ignore' });
const exited = new Promise((ok) => child.once('exit', ok));
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/__mock/health`)).ok) break;
    } catch {
      /* not yet listening */
    }
    if (i > 3000) throw new Error('serve did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  const loads = await prepareWorkloads(async (path, headers, body) =>
    (await fetch(base + path, { method: 'POST', headers, body })).json(),
  );
  if (GENERIC) {
    await fetch(`${base}/api/pets`, { method: 'POST', headers: JSON_TYPE, body: PET_BODY });
    loads.push(
      { key: 'd', name: '(d) petstore GET /pets/{id}', method: 'GET', path: '/api/pets/1' },
      {
        key: 'e',
        name: '(e) petstore POST /pets',
        method: 'POST',
        path: '/api/pets',
        headers: JSON_TYPE,
        body: PET_BODY,
      },
    );
  }
  const w = loads.find((l) => l.key === KEY);
  if (!w) throw new Error(`no workload ${KEY} (a, b, c, d or e)`);
  const c0 = cpuUs(child.pid);
  const result = await new Promise((ok, fail) =>
    autocannon(
      { url: base + w.path, connections: 50, duration: SECONDS, method: w.method, headers: w.headers, body: w.body },
      (e, r) => (e ? fail(e) : ok(r)),
    ),
  );
  const requests = result.requests.total;
  const perRequest = (cpuUs(child.pid) - c0) / requests;
  child.kill('SIGINT');
  await exited;
  const file = readdirSync(DIR)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .pop();
  const split = splitByStage(JSON.parse(readFileSync(join(DIR, file), 'utf8')), { fromFirstCall: true });
  console.log(
    `${w.name}: ${requests} requests, ${Math.round(result.requests.average)} req/s, ${perRequest.toFixed(1)} µs CPU per request (profiler included); profile ${join(DIR, file)}`,
  );
  console.log(
    `\nCPU per request by stage (shares of the profile from the first API call on, applied to the CPU per request):`,
  );
  const column = { name: w.name, perCall: perRequest, split };
  console.log(stageTable([column]));
  if (TOP) console.log(topFunctions([column], TOP));
} finally {
  child.kill('SIGKILL');
}
