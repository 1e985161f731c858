#!/usr/bin/env node
// `node bench/state-budget.mjs [serve flags...]`: issue 25's finding 3 as a load, for the RSS bound in docs/guides/team-server.md. One
// session sends STATE_BUDGET_CALLS (default 1,200) `addPushProject` calls whose url is about 1 MB (form-encoded, under
// the default --max-body), then one `queryPushProject`. Prints how many adds were stored and refused (and the limit
// named), the server's RSS before, after and at its peak (VmHWM), and the query's status, limit header, size and time.
// The server is `serve` from dist/ (run `npm run build` first) with any flags given here (e.g. --state DIR, --redis URL).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.STATE_BUDGET_CALLS ?? 1200);
const URL_BYTES = 1_000_000;

const child = spawn(
  process.execPath,
  [join(root, 'bin', 'contract-mock.js'), 'serve', '--host', '127.0.0.1', '--port', '0', ...process.argv.slice(2)],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const base = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}${stderr}`)));
});

/** The server's resident and peak memory, MB (Linux /proc). */
function memory() {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

const headers = { 'x-mock-session': 'budget', 'content-type': 'application/x-www-form-urlencoded' };
const before = memory();
const tally = { stored: 0, refused: 0, other: 0, limits: new Set() };
const started = performance.now();
for (let i = 0; i < CALLS; i++) {
  const url = `http://127.0.0.1:9/${i}/` + 'a'.repeat(URL_BYTES);
  const res = await fetch(`${base}/wx/push/addPushProject`, {
    method: 'POST',
    headers,
    body: `project=p${i}&url=${url}`,
  });
  const body = await res.json().catch(() => ({}));
  const limit = res.headers.get('x-mock-limit');
  if (body.success) tally.stored++;
  else if (limit) {
    tally.refused++;
    tally.limits.add(limit);
  } else tally.other++;
}
const addsSeconds = (performance.now() - started) / 1000;
const afterAdds = memory();
const t0 = performance.now();
const query = await fetch(`${base}/wx/push/queryPushProject`, { headers: { 'x-mock-session': 'budget' } });
const text = await query.text();
const queryMs = performance.now() - t0;
const afterQuery = memory();
console.log(
  `adds: ${CALLS} in ${addsSeconds.toFixed(1)} s: ${tally.stored} stored, ${tally.refused} refused (${[...tally.limits].join(', ') || 'no limit'}), ${tally.other} other`,
);
console.log(
  `RSS: ${before.rss} MB before, ${afterAdds.rss} MB after the adds, ${afterQuery.rss} MB after the query, peak ${afterQuery.peak} MB`,
);
console.log(
  `queryPushProject: HTTP ${query.status}, X-Mock-Limit ${query.headers.get('x-mock-limit') ?? '-'}, ${text.length} bytes, ${queryMs.toFixed(0)} ms`,
);
const stack = /RangeError[^\n]*/.exec(stderr);
if (stack) console.log(`server log: ${stack[0]}`);
child.kill('SIGKILL');
