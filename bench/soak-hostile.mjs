#!/usr/bin/env node
// `npm run soak:hostile` (and the second half of `npm run soak`): the attacks of issue 25 at once against one
// `contract-mock serve --state DIR` on loopback, while a witness client makes ordinary writes and a prober asks
// for health. Bounded: SOAK_HOSTILE_SECONDS (default 60, at most 120). Prints health latency during the attack
// (p50, p99, max, failures), the server's peak RSS, and acknowledged writes lost (must be 0), checked on the
// running server and again after a restart from the same --state folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Math.min(120, Number(process.env.SOAK_HOSTILE_SECONDS ?? 60));
const dir = mkdtempSync(join(tmpdir(), 'cm-hostile-'));
const stateDir = join(dir, 'state');

// A served document whose pattern backtracks on a backtracking engine: 29 `a`s and a `!` took 14 s.
const specFile = join(dir, 'redos.json');
writeFileSync(
  specFile,
  JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'ReDoS', version: '1' },
    paths: {
      '/redos': {
        get: {
          operationId: 'redos',
          parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string', pattern: '^(a+)+$' } }],
          responses: { 200: { description: 'ok' } },
        },
      },
    },
  }),
);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;

async function start() {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(port), '--state', stateDir, '--spec', specFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/__mock/health`)).ok) return child;
    } catch {
      /* starting */
    }
    if (i > 1500 || child.exitCode !== null) throw new Error(`serve did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const stop = (child) =>
  new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const json = { 'content-type': 'application/json' };
/** A call that never throws and never waits longer than `ms`: the attackers do not care about answers. */
async function call(path, { method = 'POST', headers = {}, body, session = 'default', ms = 10_000 } = {}) {
  try {
    const res = await fetch(base + path, {
      method,
      headers: { ...headers, 'x-mock-session': session },
      body,
      signal: AbortSignal.timeout(ms),
    });
    const text = await res.text();
    return { status: res.status, text };
  } catch (e) {
    return { status: 0, text: String(e) };
  }
}

let child = await start();
let running = true;
const until = Date.now() + SECONDS * 1000;
const rssMb = () => {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024);
  } catch {
    return 0;
  }
};
let rssPeak = rssMb();
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 250);

/** Repeats `attack` until the time is up, `parallel` at a time. */
const loop = (parallel, attack) =>
  Promise.all(
    Array.from({ length: parallel }, async (_, lane) => {
      for (let i = 0; running && Date.now() < until; i++) await attack(i, lane);
    }),
  );

const token = ':"' + 'token'.repeat(51_200); // finding 1: 256 KB that backtracked for 46 s
const megabyte = 'x'.repeat(1024 * 1024 - 200); // finding 3: a 1 MB url per project
const attacks = {
  quadraticMask: loop(1, (i) =>
    call('/wx/push/addPushProject', {
      headers: form,
      body: `url=${encodeURIComponent(token)}&project=p`,
      session: `mask-${i % 5}`,
    }),
  ),
  unquotedSecret: loop(1, () =>
    call('/v1/channel/token', {
      headers: json,
      body: '{"appid":"demo-app","secret":Hunter2Secret}',
      session: 'mask-0',
    }),
  ),
  selfLoop: loop(1, async (i) => {
    const session = `loop-${i % 3}`;
    for (let k = 0; k < 2; k++)
      await call('/wx/push/addPushProject', {
        headers: form,
        body: `url=${encodeURIComponent(`${base}/wx/wxc/receive`)}&project=loop${k}`,
        session,
      });
    await call('/wx/push/addPushProject', {
      headers: form,
      body: `url=${encodeURIComponent(`${base}/__mock/reset`)}&project=relay`,
      session,
    });
    await call('/wx/wxc/receive', {
      headers: json,
      body: JSON.stringify({ event: 'e', raw_data: 'r', app_key: 'k', school_code: 's' }),
      session,
    });
  }),
  byteBudget: loop(2, (i, lane) =>
    call('/wx/push/addPushProject', {
      headers: form,
      body: `url=${encodeURIComponent(`http://127.0.0.1:9/${megabyte}`)}&project=big`,
      session: `budget-${lane}`,
    }).then(() =>
      i % 20 === 19 ? call('/wx/push/queryPushProject', { method: 'GET', session: `budget-${lane}` }) : undefined,
    ),
  ),
  redos: loop(1, () => call(`/redos?q=${'a'.repeat(29)}!`, { method: 'GET' })),
  journalFlood: loop(8, (i, lane) =>
    call('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token', {
      method: 'GET',
      session: `flood-${(i + lane) % 20}`,
    }),
  ),
  // Finding 4: responses held open by the `timeout` fault, on raw sockets kept open until the end.
  heldConnections: (async () => {
    const sockets = [];
    while (running && Date.now() < until && sockets.length < 1200) {
      const s = connect(port, '127.0.0.1', () =>
        s.write(
          `GET /wx/push/queryPushProject HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Mock-Scenario: request-timeout\r\nX-Mock-Session: held\r\n\r\n`,
        ),
      );
      s.on('error', () => {});
      sockets.push(s);
      await new Promise((r) => setTimeout(r, 20));
    }
    while (running && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    for (const s of sockets) s.destroy();
  })(),
  // SSE clients that never read.
  silentListeners: (async () => {
    const sockets = [];
    for (let i = 0; i < 100 && running; i++) {
      const s = connect(port, '127.0.0.1', () => s.write(`GET /__mock/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
      s.on('error', () => {});
      s.pause();
      sockets.push(s);
    }
    while (running && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    for (const s of sockets) s.destroy();
  })(),
};

// The witness: ordinary writes in a session of its own; each one acknowledged must survive.
const acknowledged = [];
let witnessRefused = 0;
const witness = loop(1, async (i) => {
  const url = `http://127.0.0.1:9/witness-${i}`;
  const res = await call('/wx/push/addPushProject', {
    headers: form,
    body: `url=${encodeURIComponent(url)}&project=witness`,
    session: 'witness',
    ms: 30_000,
  });
  if (res.status === 200 && /"code":"?200"?/.test(res.text)) acknowledged.push(url);
  else witnessRefused++;
});

// The prober: health every 100 ms, as a load balancer would.
const latencies = [];
let healthFailures = 0;
const prober = loop(1, async () => {
  const t = performance.now();
  const res = await call('/__mock/health', { method: 'GET', ms: 5_000 });
  if (res.status === 200) latencies.push(performance.now() - t);
  else healthFailures++;
  await new Promise((r) => setTimeout(r, 100));
});

await Promise.all([...Object.values(attacks), witness, prober]);
running = false;
clearInterval(sampler);

async function missing() {
  const res = await call('/wx/push/queryPushProject', { method: 'GET', session: 'witness', ms: 60_000 });
  return acknowledged.filter((url) => !res.text.includes(`"${url}"`)).length;
}
const lostRunning = await missing();
await stop(child);
child = await start();
const lostRestart = await missing();
await stop(child);
rmSync(dir, { recursive: true, force: true });

const sorted = latencies.sort((a, b) => a - b);
const at = (q) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1) : 'n/a';
console.log(
  `hostile mix for ${SECONDS} s (quadratic masking, unquoted secrets, self-loops and admin relays, 1 MB writes, ReDoS pattern, journal flood over 20 sessions, up to 1,200 held responses, 100 silent SSE clients)`,
);
console.log(
  `health during the attack: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms over ${sorted.length} probes; ${healthFailures} failed or over 5 s`,
);
console.log(`server RSS peak ${rssPeak} MB`);
console.log(
  `witness: ${acknowledged.length} writes acknowledged, ${witnessRefused} refused; lost: ${lostRunning} on the running server, ${lostRestart} after a restart from --state (must be 0)`,
);
process.exitCode = lostRunning + lostRestart > 0 ? 1 : 0;
