#!/usr/bin/env node
// `npm run bench:redis-memory`: Redis memory after N journaled calls (default 1,000,000) through one
// `serve --redis`, for sizing a shared Redis. Starts Debian's redis-server on a free port (no
// persistence) and a serve that keeps every call (--journal-per-session and --journal-total above N), sends the calls spread
// over 100 sessions, then reads INFO memory. Prints used_memory, bytes per kept call, and per million.
//
// Env: REDIS_MEMORY_CALLS (default 1000000), REDIS_MEMORY_CONNECTIONS (default 50).
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { JSON_TYPE, TOKEN_BODY } from './workloads.mjs';
import { freePort } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.REDIS_MEMORY_CALLS ?? 1_000_000);
const CONNECTIONS = Number(process.env.REDIS_MEMORY_CONNECTIONS ?? 50);
const SESSIONS = 100;

/** One Redis command over a raw socket (RESP inline), answered as text. */
const command = (port, line) =>
  new Promise((resolve, reject) => {
    let out = '';
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(line + '\r\n'));
    s.on('data', (d) => {
      out += d;
      const m = /^\$(\d+)\r\n/.exec(out);
      if (
        out.startsWith('+') ||
        out.startsWith(':') ||
        out.startsWith('-') ||
        (m && out.length >= m[0].length + Number(m[1]))
      ) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
  });

const redisPort = await freePort();
const redis = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
for (let i = 0; ; i++) {
  try {
    if ((await command(redisPort, 'PING')).startsWith('+PONG')) break;
  } catch {
    /* starting */
  }
  if (i > 200) throw new Error('redis-server did not start');
  await new Promise((r) => setTimeout(r, 25));
}
const info = async () =>
  Object.fromEntries(
    (await command(redisPort, 'INFO memory'))
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':')),
  );
const before = Number((await info()).used_memory);

const port = await freePort();
const serve = spawn(
  process.execPath,
  [
    join(root, 'bin', 'contract-mock.js'),
    'serve',
    '--port',
    String(port),
    '--redis',
    `redis://127.0.0.1:${redisPort}`,
    '--journal-per-session',
    String(Math.ceil(CALLS / SESSIONS) + 1),
    '--journal-total',
    String(CALLS + 1),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise((resolve) => serve.stdout.on('data', (d) => String(d).includes('listening') && resolve()));

const t0 = performance.now();
let n = 0;
await new Promise((resolve, reject) =>
  autocannon(
    {
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      amount: CALLS,
      requests: [
        {
          method: 'POST',
          path: '/v1/channel/token',
          body: TOKEN_BODY,
          setupRequest: (req) => ({ ...req, headers: { ...JSON_TYPE, 'x-mock-session': `mem-${n++ % SESSIONS}` } }),
        },
      ],
    },
    (err, r) => (err ? reject(err) : resolve(r)),
  ),
);
const seconds = (performance.now() - t0) / 1000;
const after = await info();
const used = Number(after.used_memory) - before;
let kept = 0;
for (let i = 0; i < SESSIONS; i++)
  kept += Number((await command(redisPort, `XLEN {contract-mock:mem-${i}}:j`)).slice(1));
const result = {
  calls: CALLS,
  keptCalls: kept,
  seconds: Math.round(seconds),
  usedMemoryMb: +(used / 2 ** 20).toFixed(1),
  usedMemoryHuman: after.used_memory_human,
  bytesPerCall: Math.round(used / Math.max(1, kept)),
  mbPerMillionCalls: Math.round(((used / Math.max(1, kept)) * 1e6) / 2 ** 20),
};
console.log(JSON.stringify(result, null, 2));
serve.kill('SIGKILL');
redis.kill('SIGKILL');
