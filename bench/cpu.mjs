#!/usr/bin/env node
// `npm run bench:cpu`: the mock's own CPU per call, without sockets. Calls go through the same
// listener `serve` uses, with in-memory request/response objects, one after another; this separates
// what the mock's code costs from what node:http and the kernel cost (bench/README.md), and is
// steady enough to compare two builds of a change. Prints min and median µs per call over rounds.
//
// Then, per workload, the same CPU per call split by pipeline stage, from a separate pass under the V8 sampling
// profiler (cpu-stages.mjs; the headline above is measured without it).
//
// Env: CPU_CALLS (calls per round, default 30000), CPU_ROUNDS (default 10), CPU_WORKLOADS (default a,b,c);
// CPU_STAGES=0 skips the split; CPU_STAGE_CALLS (calls profiled, default 20000), CPU_PROFILE_INTERVAL (µs between
// samples, default 50), CPU_PROFILE_DIR (writes each workload's .cpuprofile there), CPU_TOP (functions listed per
// stage, default 0).
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { profileCalls, splitByStage, stageTable, topFunctions } from './cpu-stages.mjs';
import { petstoreFile, prepareWorkloads } from './workloads.mjs';

// CPU_ROOT: another checkout's built tree, to compare two builds with this same script.
const root = process.env.CPU_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const { startMock } = await import(pathToFileURL(join(root, 'dist', 'src', 'index.js')).href);
const CALLS = Number(process.env.CPU_CALLS ?? 30_000);
const ROUNDS = Number(process.env.CPU_ROUNDS ?? 10);
const WORKLOADS = (process.env.CPU_WORKLOADS ?? 'a,b,c').split(',');
const STAGE_SPLIT = process.env.CPU_STAGES !== '0';
const STAGE_CALLS = Number(process.env.CPU_STAGE_CALLS ?? 20_000);
const INTERVAL = Number(process.env.CPU_PROFILE_INTERVAL ?? 50);
const PROFILE_DIR = process.env.CPU_PROFILE_DIR;
const TOP = Number(process.env.CPU_TOP ?? 0);

// (d), (e): the generic spec of bench.mjs (petstore, served with --spec), loaded only when asked for.
const PETSTORE = petstoreFile(root);
const generic = WORKLOADS.some((k) => k === 'd' || k === 'e');
const mock = await startMock({
  log: () => {},
  ...(generic && { specFiles: [PETSTORE], maxRecordsPerSession: 1e9, maxStateBytes: 1e12, maxStoreBytes: 1e12 }),
});

/** One call through the listener; resolves with the response text. */
function call(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = new Readable({ read() {} });
    Object.assign(req, { method, url, headers, rawHeaders: [], socket: { remoteAddress: '127.0.0.1' } });
    const res = {
      headersSent: false,
      statusCode: 200,
      writeHead(status) {
        this.statusCode = status;
        this.headersSent = true;
        return this;
      },
      setHeader() {},
      end: (text) => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))),
      on() {},
      once() {},
    };
    mock.listener(req, res);
    if (body) req.push(Buffer.from(body));
    req.push(null);
  });
}

/** The headers a client sends with a body, over the workload's content type. */
const withLength = (headers, body) => ({
  host: '127.0.0.1:4010',
  connection: 'keep-alive',
  ...headers,
  'content-length': String(Buffer.byteLength(body)),
});
const loads = await prepareWorkloads(async (path, headers, body) =>
  JSON.parse(await call('POST', path, withLength(headers, body), body)),
);
const workloads = Object.fromEntries(
  loads.map((w) => [w.key, [w.name, () => call(w.method, w.path, withLength(w.headers, w.body), w.body)]]),
);
if (generic) {
  const pet = JSON.stringify({ name: 'Rex', tag: 'dog' });
  const json = { 'content-type': 'application/json' };
  await call('POST', '/api/pets', withLength(json, pet), pet);
  workloads.d = [
    '(d) petstore GET /pets/{id}',
    () => call('GET', '/api/pets/1', { host: '127.0.0.1:4010', connection: 'keep-alive' }),
  ];
  workloads.e = ['(e) petstore POST /pets', () => call('POST', '/api/pets', withLength(json, pet), pet)];
}

const headline = {};
for (const key of WORKLOADS) {
  const [name, work] = workloads[key];
  const times = [];
  const cpu = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) await work();
    const c = process.cpuUsage(c0);
    times.push(((performance.now() - t0) / CALLS) * 1000);
    cpu.push((c.user + c.system) / CALLS);
  }
  times.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  // CPU time is the process's own (user + system, GC threads included): on a busy machine it moves far
  // less than wall time, which also counts the time other processes held the core.
  headline[key] = cpu[cpu.length >> 1];
  console.log(
    `${name.padEnd(32)} min ${times[0].toFixed(2)} µs/call, median ${times[times.length >> 1].toFixed(2)} µs/call, cpu median ${cpu[cpu.length >> 1].toFixed(2)} µs/call`,
  );
}
if (STAGE_SPLIT) await stageSplit();
mock.close();

/**
 * The split: each workload profiled in a pass of its own, each row's share of the profiled time applied to the
 * headline's CPU median (so the rows add up to the headline, and the profiler's own cost is in no row).
 */
async function stageSplit() {
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const columns = [];
  for (const key of WORKLOADS) {
    const [name, work] = workloads[key];
    const out = PROFILE_DIR && join(PROFILE_DIR, `cpu-${key}.cpuprofile`);
    const { profile, cpuPerCall } = await profileCalls(work, STAGE_CALLS, INTERVAL, out);
    columns.push({ name, perCall: headline[key], profiled: cpuPerCall, split: splitByStage(profile) });
  }
  console.log(
    `\nCPU per call by stage (µs and share; shares from a profile of ${STAGE_CALLS} calls sampled every ${INTERVAL} µs, applied to the cpu median above):`,
  );
  console.log(stageTable(columns));
  if (TOP) console.log(topFunctions(columns, TOP));
}
