#!/usr/bin/env node
// `node bench/cpu-ab.mjs OTHER_ROOT`: bench/cpu.mjs's calls, this build's and another checkout's mock in ONE
// process, in alternating batches. A busy neighbour slows both builds alike, batch by batch, so the ratio holds
// on a shared machine where two separate runs differ by 30 %. Prints each workload's median time per call of
// both builds over the batches and the ratio this / other (the 5 % rule of DEVELOPERS.md).
//
// Env: AB_CALLS (calls per batch, default 2000), AB_BATCHES (per build, default 20), AB_WORKLOADS (default a,b,c,d,e).
import { Readable } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prepareWorkloads } from './workloads.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const other = process.argv[2] ? resolve(process.argv[2]) : undefined;
if (!other) {
  console.error('usage: node bench/cpu-ab.mjs OTHER_ROOT   (a checkout with dist/ built)');
  process.exit(2);
}
const CALLS = Number(process.env.AB_CALLS ?? 2000);
const BATCHES = Number(process.env.AB_BATCHES ?? 20);
const WORKLOADS = (process.env.AB_WORKLOADS ?? 'a,b,c,d,e').split(',');
const generic = WORKLOADS.some((k) => k === 'd' || k === 'e');

/** One build's mock and its workloads, called through its listener with in-memory request/response objects. */
async function build(root) {
  const { startMock } = await import(pathToFileURL(join(root, 'dist', 'src', 'index.js')).href);
  const petstore = join(root, 'node_modules', '@readme', 'oas-examples', '3.0', 'yaml', 'petstore-expanded.yaml');
  // The budgets are lifted for (e), which creates a pet per call in one session (an older build ignores the names).
  const mock = await startMock({ log: () => {}, ...(generic && { specFiles: [petstore], maxRecordsPerSession: 1e9, maxStateBytes: 1e12, maxStoreBytes: 1e12 }) });
  const call = (method, url, headers, body) =>
    new Promise((ok, fail) => {
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
        end: (text) => (res.statusCode === 200 ? ok(text) : fail(new Error(`HTTP ${res.statusCode}: ${text}`))),
        on() {},
        once() {},
      };
      mock.listener(req, res);
      if (body) req.push(Buffer.from(body));
      req.push(null);
    });
  const withLength = (headers, body) => ({ host: '127.0.0.1:4010', connection: 'keep-alive', ...headers, 'content-length': String(Buffer.byteLength(body)) });
  const loads = await prepareWorkloads(async (path, headers, body) => JSON.parse(await call('POST', path, withLength(headers, body), body)));
  const work = Object.fromEntries(loads.map((w) => [w.key, { name: w.name, run: () => call(w.method, w.path, withLength(w.headers, w.body), w.body) }]));
  if (generic) {
    const pet = JSON.stringify({ name: 'Rex', tag: 'dog' });
    const json = { 'content-type': 'application/json' };
    await call('POST', '/api/pets', withLength(json, pet), pet);
    work.d = { name: '(d) petstore GET /pets/{id}', run: () => call('GET', '/api/pets/1', { host: '127.0.0.1:4010', connection: 'keep-alive' }) };
    work.e = { name: '(e) petstore POST /pets', run: () => call('POST', '/api/pets', withLength(json, pet), pet) };
  }
  return { mock, work };
}

const builds = [await build(here), await build(other)];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const key of WORKLOADS) {
  const times = [[], []];
  // Warm both up, then ABBA batches.
  for (const b of builds) for (let i = 0; i < CALLS; i++) await b.work[key].run();
  for (let r = 0; r < BATCHES * 2; r++) {
    const i = [0, 1, 1, 0][r % 4];
    const c0 = process.cpuUsage();
    for (let n = 0; n < CALLS; n++) await builds[i].work[key].run();
    const c = process.cpuUsage(c0);
    times[i].push((c.user + c.system) / CALLS);
  }
  const [a, b] = times.map(median);
  console.log(`${builds[0].work[key].name.padEnd(32)} this ${a.toFixed(2)} µs  other ${b.toFixed(2)} µs  this/other ${(a / b).toFixed(3)}`);
}
for (const b of builds) b.mock.close();
