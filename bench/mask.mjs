#!/usr/bin/env node
// `npm run bench:mask`: masking is linear in its input (issue 25, finding 1). Part 1 masks adversarial text
// of several shapes at 64 KB and 1 MiB in-process and prints the ratio of the two times (≈16 means linear;
// the regexes masking used before were quadratic: 256 blocked 46 s). Part 2 starts a real `serve` (with a
// journal file, so the record is masked on the request path) on a free loopback port, sends a 1 MiB
// adversarial addPushProject and reads it back, and prints the health endpoint's latency meanwhile (the
// target: under 100 ms).
//
// Env: MASK_ROUNDS (runs per shape and size, median kept; default 5), MASK_ATTACKS (attacks on serve, each in a
// session of its own; the median of their worst health latencies is reported; default 5).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SecretMask } = await import(pathToFileURL(join(root, 'dist', 'src', 'journal', 'secret-mask.js')).href);
const ROUNDS = Number(process.env.MASK_ROUNDS ?? 5);
const KB64 = 64 * 1024;
const MIB = 1024 * 1024;

/** `unit` repeated to `size` characters, after `head`. */
const fill = (head, unit, size) =>
  head + unit.repeat(Math.ceil((size - head.length) / unit.length)).slice(0, size - head.length);

// Each shape is text a client can send; the first five made the old patterns backtrack on every start position.
const SHAPES = [
  ['repro `:"` + token×N', (n) => ({ text: fill(':"', 'token', n) })],
  ['JSON pair, name never closes', (n) => ({ text: fill('{"', 'token', n - 1) + ':' })],
  ['JSON pairs, value never closes', (n) => ({ text: fill('', '"token":"', n) })],
  ['form pair, no `=`', (n) => ({ text: fill('a=1&', 'token', n) })],
  ['escaped JSON in a string', (n) => ({ value: { note: fill('{\\"', 'token', n - 1) + ':' } })],
  ['escaped JSON, value never closes', (n) => ({ value: { note: fill('', '\\"token\\":\\"', n) } })],
  ['headers', (n) => ({ headers: { 'x-note': fill(':"', 'token', n), 'x-form': fill('&', 'pwd', n) } })],
  ['URL scheme, never `://`', (n) => ({ text: fill('token=', 'a', n - 3) + '://' })],
  ['URL userinfo, never `@`', (n) => ({ text: fill('token=a://', 'b:', n) })],
  ['JSON pairs, all masked', (n) => ({ text: fill('{', '"token":"SECRET",', n) })],
  ['form pairs, all masked', (n) => ({ text: fill('', '&pwd=SECRET', n) })],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms to mask `input` once: each round masks it `reps` times with a fresh mask (no cache carried over). */
function timeMask(input, reps) {
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const masks = Array.from({ length: reps }, () => new SecretMask());
    const t = performance.now();
    for (const mask of masks) {
      if (input.text !== undefined) mask.text(input.text);
      else if (input.value !== undefined) mask.value(input.value);
      else mask.headers(input.headers);
    }
    times.push((performance.now() - t) / reps);
  }
  return median(times);
}

console.log(`masking adversarial text (median of ${ROUNDS})`);
console.log('shape'.padEnd(34) + '64 KB ms'.padStart(10) + '1 MiB ms'.padStart(10) + 'ratio'.padStart(8));
for (const [name, shape] of SHAPES) {
  timeMask(shape(KB64), 16); // warm-up: the first runs are interpreted
  const small = timeMask(shape(KB64), 16);
  const big = timeMask(shape(MIB), 1);
  console.log(
    name.padEnd(34) +
      small.toFixed(2).padStart(10) +
      big.toFixed(2).padStart(10) +
      (big / small).toFixed(1).padStart(8),
  );
}

// Part 2: a real server.

const agent = new http.Agent({ keepAlive: true });
function send(port, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          'x-mock-session': 'bench-mask',
          ...headers,
          ...(body && { 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let size = 0;
        res.on('data', (c) => (size += c.length));
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t, size }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'cm-bench-mask-'));
const port = await freePort();
const child = spawn(
  process.execPath,
  [
    join(root, 'bin', 'contract-mock.js'),
    'serve',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--journal',
    join(dir, 'calls.ndjson'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
try {
  for (let i = 0; ; i++) {
    try {
      if ((await send(port, 'GET', '/__mock/health')).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (i > 200) throw new Error('serve did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  // A small call first: the first call of a process loads and compiles what the request path needs.
  await send(port, 'POST', '/wx/push/addPushProject', 'project=warm&url=http://127.0.0.1:9/', {
    'content-type': 'application/x-www-form-urlencoded',
  });
  // The default --max-body is 1 MiB: the url fills it, less the rest of the form.
  const form = 'project=bench&url=' + fill(':"', 'token', MIB - 64);
  const healthAgent = new http.Agent({ keepAlive: true });
  const health = () =>
    new Promise((resolve) => {
      const t = performance.now();
      http.get({ host: '127.0.0.1', port, path: '/__mock/health', agent: healthAgent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t));
      });
    });
  /** Health's worst latency while `act` runs. */
  const during = async (act) => {
    let done = false;
    const latencies = [];
    const polling = (async () => {
      while (!done) {
        latencies.push(await health());
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const result = await act();
    done = true;
    await polling;
    return { ms: result.ms, status: result.status, health: Math.max(...latencies) };
  };
  const ATTACKS = Number(process.env.MASK_ATTACKS ?? 5);
  const steps = [
    [
      '1 MiB addPushProject (url `:"` + token×N)',
      (s) =>
        send(port, 'POST', '/wx/push/addPushProject', form, {
          'content-type': 'application/x-www-form-urlencoded',
          'x-mock-session': s,
        }),
    ],
    [
      'reading it back (GET /__mock/calls)',
      (s) => send(port, 'GET', '/__mock/calls', undefined, { 'x-mock-session': s }),
    ],
    [
      'queryPushProject (answers the 1 MiB url)',
      (s) => send(port, 'GET', '/wx/push/queryPushProject', undefined, { 'x-mock-session': s }),
    ],
  ];
  const results = steps.map(() => []);
  // Each attack in a session of its own; the machine is shared, so the median of several attacks is the number to read.
  for (let a = 0; a < ATTACKS; a++)
    for (let i = 0; i < steps.length; i++) results[i].push(await during(() => steps[i][1](`bench-mask-${a}`)));
  console.log(`\nserve on 127.0.0.1:${port} (--journal: records masked on the request path), ${ATTACKS} attacks`);
  let worst = 0;
  for (let i = 0; i < steps.length; i++) {
    const r = results[i];
    const h = median(r.map((x) => x.health));
    worst = Math.max(worst, h);
    console.log(
      `${steps[i][0].padEnd(44)} HTTP ${r.map((x) => x.status).join(',')}; call median ${median(r.map((x) => x.ms)).toFixed(0)} ms; health worst per attack: median ${h.toFixed(1)} ms, max ${Math.max(...r.map((x) => x.health)).toFixed(1)} ms`,
    );
  }
  console.log(
    `health (median of the attacks' worst): ${worst.toFixed(1)} ms, ${worst < 100 ? 'under' : 'OVER'} the 100 ms target`,
  );
} finally {
  child.kill('SIGTERM');
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
