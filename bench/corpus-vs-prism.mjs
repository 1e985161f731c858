#!/usr/bin/env node
// `npm run bench:corpus` (issue 28): the corpus sample (test/corpus/sample.json) served by `contract-mock serve --spec`
// and by `prism mock` (static), each in its own process on a free 127.0.0.1 port, one document after the other, and
// the same calls (bench/corpus-calls.mjs) sent to both. Prints, per server: documents served, calls answered 2xx,
// item GETs (`/things/{id}`) answered 2xx, 5xx, and each document's row where the two differ.
//
// Env: CORPUS_GIANTS=1 adds Stripe and GitHub (slow to start for both servers), CORPUS_ONLY=text keeps the
// documents whose name contains text, CORPUS_START_MS (default 120000) how long a server may take to listen,
// CORPUS_VERBOSE=1 prints every call the two answer differently.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { corpusCalls, corpusName, corpusSample, percent, sendCalls, tally } from './corpus-calls.mjs';

const ROOT = join(import.meta.dirname, '..');
const START_MS = Number(process.env.CORPUS_START_MS ?? 120_000);
const VERBOSE = process.env.CORPUS_VERBOSE === '1';

/** A port 127.0.0.1 can bind now, below the ephemeral range (see test/helpers/free-port.ts). */
async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

/** Spawns a server and resolves once a line of its output matches `ready`; rejects with its output on exit or timeout. */
async function startServer(command, args, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${START_MS} ms`)), START_MS);
    const onData = (d) => {
      out = (out + d.toString()).slice(-20_000);
      if (!ready.test(out)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on(
      'exit',
      (code) => (clearTimeout(timer), reject(new Error(`exited ${code}: ${out.trim().split('\n').at(-1)}`))),
    );
  }).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { child, startMs: performance.now() - started };
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });

/** One server on one document: its results, or why it served none. */
async function run(kind, file, mount, calls) {
  const port = await freePort();
  const [command, args, ready] =
    kind === 'mock'
      ? [
          process.execPath,
          [
            join(ROOT, 'bin', 'contract-mock.js'),
            'serve',
            '--host',
            '127.0.0.1',
            '--port',
            String(port),
            '--spec',
            file,
          ],
          /listening on http/,
        ]
      : [
          join(ROOT, 'node_modules', '.bin', 'prism'),
          ['mock', '-h', '127.0.0.1', '-p', String(port), file],
          /Prism is listening/,
        ];
  let server;
  try {
    server = await startServer(command, args, ready);
  } catch (e) {
    return { refused: e.message.split('\n')[0].slice(0, 160), results: [] };
  }
  try {
    // Prism serves a document's paths at the root, whatever its servers say; contract-mock at its first servers path.
    const results = await sendCalls(`http://127.0.0.1:${port}`, kind === 'mock' ? mount : '', calls);
    return { startMs: server.startMs, results };
  } finally {
    await stop(server.child);
  }
}

const { mountOf } = await import(join(ROOT, 'dist', 'src', 'contract', 'load-specs.js'));
const sample = corpusSample();
const files = [...sample.documents, ...(process.env.CORPUS_GIANTS === '1' ? sample.giants : [])].filter((f) =>
  corpusName(f).includes(process.env.CORPUS_ONLY ?? ''),
);
const all = { mock: [], prism: [] };
const served = { mock: 0, prism: 0 };
console.log(
  `corpus: ${files.length} documents, the same calls to contract-mock serve --spec and prism mock (static)\n`,
);
for (const file of files) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const calls = corpusCalls(doc);
  const row = {};
  for (const kind of ['mock', 'prism']) {
    row[kind] = await run(kind, file, mountOf(doc), calls);
    if (!row[kind].refused) served[kind]++;
    all[kind].push(...row[kind].results);
  }
  const show = (r) =>
    r.refused
      ? `refused (${r.refused})`
      : `${tally(r.results).ok}/${r.results.length} 2xx, start ${Math.round(r.startMs)} ms`;
  console.log(`${corpusName(file)}: contract-mock ${show(row.mock)}; prism ${show(row.prism)}`);
  if (VERBOSE && !row.mock.refused && !row.prism.refused)
    row.mock.results.forEach((m, i) => {
      const p = row.prism.results[i];
      if ((m.status >= 200 && m.status < 300) !== (p.status >= 200 && p.status < 300))
        console.log(
          `  ${m.call.method} ${m.call.path.slice(0, 90)}: mock ${m.status} ${m.answer.slice(0, 160)} | prism ${p.status} ${p.answer.slice(0, 160)}`,
        );
    });
}
console.log('\n| | contract-mock | Prism |\n|---|---|---|');
console.log(`| documents served | ${served.mock} of ${files.length} | ${served.prism} of ${files.length} |`);
const t = { mock: tally(all.mock), prism: tally(all.prism) };
console.log(
  `| calls answered 2xx | ${t.mock.ok} of ${t.mock.calls} (${percent(t.mock.ok, t.mock.calls)}) | ${t.prism.ok} of ${t.prism.calls} (${percent(t.prism.ok, t.prism.calls)}) |`,
);
console.log(
  `| item GETs answered 2xx | ${t.mock.itemsOk} of ${t.mock.items} (${percent(t.mock.itemsOk, t.mock.items)}) | ${t.prism.itemsOk} of ${t.prism.items} (${percent(t.prism.itemsOk, t.prism.items)}) |`,
);
console.log(
  `| answered 5xx / not at all | ${t.mock.serverErrors} / ${t.mock.unanswered} | ${t.prism.serverErrors} / ${t.prism.unanswered} |`,
);
