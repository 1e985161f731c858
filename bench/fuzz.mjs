#!/usr/bin/env node
// `npm run fuzz`: the fuzz property of test/reliability/fuzz.test.ts, 100,000 times (FUZZ_RUNS), against
// `contract-mock serve` in its own process with a long-running team server's caps, so the mock's memory is
// measured apart from the fuzzer's; the admin-API property also fuzzes a second serve started with --admin-token.
// Prints the server's RSS when done.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = await freePort();
// A second serve with --admin-token: the admin-API property sends half its requests there (bad cookies, tokens).
const tokenPort = await freePort();
const TOKEN = 'fuzz-admin-token';
const caps = [
  '--max-sessions',
  '500',
  '--session-idle',
  '0',
  '--max-records',
  '1000',
  '--max-body',
  String(256 * 1024),
  '--journal-per-session',
  '1000',
  '--journal-total',
  '20000',
];
const server = spawn(
  process.execPath,
  [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(port), ...caps],
  { stdio: 'ignore' },
);
const tokenServer = spawn(
  process.execPath,
  [join(root, 'bin', 'contract-mock.js'), 'serve', '--port', String(tokenPort), '--admin-token', TOKEN, ...caps],
  { stdio: 'ignore' },
);
for (const [p, headers] of [
  [port, {}],
  [tokenPort, { authorization: `Bearer ${TOKEN}` }],
]) {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${p}/__mock/health`, { headers })).ok) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
const runs = process.env.FUZZ_RUNS ?? '100000';
const started = performance.now();
const result = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', 'test/reliability/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_RUNS: runs,
    FUZZ_TARGET: `http://127.0.0.1:${port}`,
    FUZZ_TOKEN_TARGET: `http://127.0.0.1:${tokenPort}`,
  },
});
const rss = Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024);
const health = await (await fetch(`http://127.0.0.1:${port}/__mock/health`)).json();
const tokenAlive = tokenServer.exitCode === null;
server.kill('SIGTERM');
tokenServer.kill('SIGTERM');
console.log(
  `\nfuzz: ${runs} requests in ${Math.round((performance.now() - started) / 1000)} s, ${result.status === 0 && tokenAlive ? 'no 5xx, both servers healthy' : 'FAILED'}; server RSS ${rss} MB, journal ${health.journal.records} records / ${Math.round(health.journal.bytes / 2 ** 20)} MB kept`,
);
process.exit(tokenAlive ? (result.status ?? 1) : 1);
