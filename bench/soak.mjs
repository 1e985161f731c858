#!/usr/bin/env node
// `npm run soak`: 1,000,000 mixed requests across 1,000 sessions against `contract-mock serve`, printing the
// server's RSS as it goes. Memory must stay bounded by the configured caps (journal per session and in all,
// tokens per app, sessions). Env: SOAK_REQUESTS (default 1000000), SOAK_SESSIONS (default 1000).
// `npm run soak -- --clears`: the same, with each session used in the last 1,000 requests cleared then (DELETE
// /__mock/calls and POST /__mock/reset in turn), and the journal's records and queued entries printed with the RSS:
// what clearing frees must be freed (issue 25, finding 6), so queued follows records and RSS stays flat.
// Without --clears (and unless --no-hostile), the hostile mix of bench/soak-hostile.mjs follows, at most 2 minutes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOTAL = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 1000);
const CLEARS = process.argv.includes('--clears');
const CLEAR_EVERY = 1000;

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const base = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(port)], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (;;) {
  try {
    if ((await fetch(`${base}/__mock/health`)).ok) break;
  } catch {
    /* starting */
  }
  await new Promise((r) => setTimeout(r, 20));
}
const rss = () =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024);

const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const school = (n) =>
  JSON.stringify({
    access_token: 'unknown-token',
    organName: '武汉市第一中学',
    organKind: 3,
    provinceName: '湖北省',
    cityName: '武汉市',
    areaName: '武昌区',
    otherId: n,
  });
const tables = ['user', 'Usercard', 'Userlearningstyle', 'usertestcount', 'userresource', 'usertest', 'userword'];
const metas = JSON.stringify({ tablemeta: tables.map((t) => ({ synTable: t, version: 0, lastModTime: null })) });
// A mix of reads, writes that grow state (push projects, tokens, registrations) and contract violations.
const mix = [
  { method: 'POST', path: '/v1/channel/token', headers: json, body: '{"appid":"demo-app","secret":"demo-secret"}' },
  { method: 'POST', path: '/v1/abutment/syncSaveOrganMetadata', headers: json, body: school(1) },
  { method: 'GET', path: '/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token' },
  {
    method: 'POST',
    path: '/datasyn/syn/synmetas',
    headers: form,
    body: new URLSearchParams({ token: '1:1', json: metas }).toString(),
  },
  {
    method: 'POST',
    path: '/datasyn/user/register',
    headers: form,
    body: 'loginName=soak&password=p&realName=x&sex=1&school=s&grade=g&classNum=1&englishscore=1',
  },
  { method: 'GET', path: '/wx/push/queryPushProject' },
  {
    method: 'POST',
    path: '/wx/push/addPushProject',
    headers: form,
    body: 'url=http%3A%2F%2F127.0.0.1%3A9%2Fsoak&project=soak',
  },
  { method: 'POST', path: '/v1/abutment/syncSaveOrganMetadata', headers: json, body: '{"organKind":9}' },
];
let n = 0;
const samples = [];
const t0 = performance.now();
const journalOf = async () => (await (await fetch(`${base}/__mock/health`)).json()).journal;
const timer = setInterval(async () => {
  const s = { seconds: Math.round((performance.now() - t0) / 1000), requests: n, rssMb: rss() };
  samples.push(s);
  const j = CLEARS ? await journalOf() : undefined;
  console.log(
    `${String(s.seconds).padStart(4)} s  ${String(s.requests).padStart(8)} requests  RSS ${s.rssMb} MB${j ? `  journal ${j.records} records, ${j.queued} queued` : ''}`,
  );
}, 5000);
let used = new Set();
let clears = 0;
/** Clears every session used since the last time (alternating the two ways a client clears), while the load goes on. */
function clearUsed() {
  const sessions = [...used];
  used = new Set();
  for (const session of sessions) {
    const reset = clears++ % 2 === 1;
    void fetch(`${base}/__mock/${reset ? 'reset' : 'calls'}`, {
      method: reset ? 'POST' : 'DELETE',
      headers: { 'x-mock-session': session },
    }).then((r) => r.arrayBuffer());
  }
}

await new Promise((resolve, reject) =>
  autocannon(
    {
      url: base,
      connections: 50,
      amount: TOTAL,
      requests: [
        {
          setupRequest: (req) => {
            const r = mix[n % mix.length];
            const session = `soak-${(n * 7919) % SESSIONS}`;
            n++;
            if (CLEARS) {
              used.add(session);
              if (n % CLEAR_EVERY === 0) clearUsed();
            }
            return {
              ...req,
              method: r.method,
              path: r.path,
              body: r.body,
              headers: { ...(r.headers ?? {}), 'x-mock-session': session },
            };
          },
        },
      ],
    },
    (err, result) => (err ? reject(err) : resolve(result)),
  ),
);
clearInterval(timer);
const health = await (await fetch(`${base}/__mock/health`)).json();
const final = { seconds: Math.round((performance.now() - t0) / 1000), requests: n, rssMb: rss() };
samples.push(final);
child.kill('SIGTERM');
const peak = Math.max(...samples.map((s) => s.rssMb));
const late = samples.slice(Math.floor(samples.length / 2));
console.log(
  `\n${TOTAL} requests across ${SESSIONS} sessions in ${final.seconds} s; RSS peak ${peak} MB, final ${final.rssMb} MB; journal ${health.journal.records} records kept, ${health.journal.queued} queued, ${health.journal.evicted} evicted${CLEARS ? `; ${clears} clears and resets` : ''}`,
);
console.log(
  `second half of the run: RSS ${Math.min(...late.map((s) => s.rssMb))}-${Math.max(...late.map((s) => s.rssMb))} MB (bounded by the caps, not by the number of calls)`,
);

// Then the hostile mix (bench/soak-hostile.mjs), unless only the clears were asked for.
if (!CLEARS && !process.argv.includes('--no-hostile')) {
  console.log('');
  await import('./soak-hostile.mjs');
}
