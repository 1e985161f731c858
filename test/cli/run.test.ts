/**
 * `contract-mock run [serve options] -- COMMAND` end to end: a real process serves the mock, runs a tiny node script
 * with CONTRACT_MOCK_URL, reports on the sessions it used and exits with the script's code (1 when it passed but
 * broke the contract, 2 when the mock cannot start); SIGTERM to run reaches the script.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const dir = mkdtempSync(join(tmpdir(), 'cm-run-'));
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `contract-mock run ARGS`; `ran` resolves when it exits, `output` when its stdout contains `waitFor`. */
function start(args: string[]): { ran: Promise<Ran>; output: (waitFor: string) => Promise<void>; pid: number } {
  const child = spawn(process.execPath, [bin, 'run', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters) if (stdout.includes(w.text)) w.resolve();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ran = new Promise<Ran>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return {
    ran,
    pid: child.pid!,
    output: (text) => new Promise((resolve) => (stdout.includes(text) ? resolve() : waiters.push({ text, resolve }))),
  };
}
const run = (...args: string[]): Promise<Ran> => start(args).ran;

/** A node script (CommonJS, as `node -e` runs it) that posts BODY to platform-sync's token operation in SESSION. */
const postToken = (session: string, body: string): string =>
  `fetch(process.env.CONTRACT_MOCK_URL + '/v1/channel/token', { method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-session': ${JSON.stringify(session)} }, body: ${JSON.stringify(body)} }).then((r) => r.json()).then((j) => console.log('script got status', j.status))`;
const GOOD = '{"appid":"demo-app","secret":"demo-secret"}';

describe('contract-mock run', () => {
  test('a command that passes and honours the contract: its output, the report, exit 0', async () => {
    const r = await run('--', process.execPath, '-e', postToken('ci', GOOD));
    expect(r.stdout).toContain('script got status 200');
    expect(r.stdout).toContain('no contract violations in 1 call(s) of session "ci"');
    expect(r.stderr).toMatch(/^contract-mock run: mock listening on http:\/\/127\.0\.0\.1:\d+; running /);
    expect(r.status).toBe(0);
  });

  test('a command that fails: exit with its code (its own options need no --)', async () => {
    const r = await run('--port', '0', process.execPath, '-e', `${postToken('ci', GOOD)}.then(() => process.exit(3))`);
    expect(r.stdout).toContain('script got status 200');
    expect(r.status).toBe(3);
  });

  test('a command that passes but broke the contract: the report per session, one JUnit file, exit 1', async () => {
    const junit = join(dir, 'reports', 'junit.xml');
    const script = `${postToken('good', GOOD)}.then(() => { ${postToken('bad', '{"appid":"demo-app"}')} })`;
    const r = await run('--junit', junit, '--', process.execPath, '-e', script);
    expect(r.stdout).toContain('no contract violations in 1 call(s) of session "good"');
    expect(r.stdout).toMatch(/\d+ contract violation\(s\) in 1 call\(s\) of session "bad"/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('contract-mock report (session bad, good)');
    expect(xml).toContain('<failure');
    expect(r.status).toBe(1);
  });

  test('a command that made no calls is a warning and exit 1; --allow-empty gives its own code', async () => {
    const r = await run('--', process.execPath, '-e', '0');
    expect(r.stderr).toContain('the command made no calls to the mock, so nothing was checked');
    expect(r.status).toBe(1);
    expect((await run('--allow-empty', '--', process.execPath, '-e', '0')).status).toBe(0);
  });

  test('a mock that cannot start (port in use, missing --scenarios folder, unknown command) is one line and exit 2; the command never runs', async () => {
    const marker = join(dir, 'ran');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
    const holder: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
    );
    try {
      const taken = await run('--port', String(port), '--', process.execPath, '-e', script);
      expect(taken.status).toBe(2);
      expect(taken.stderr.trim().split('\n')).toEqual([
        `contract-mock run: port ${port} on 127.0.0.1 is already in use: stop what holds it, or pick another with --port N (--port 0 picks a free one)`,
      ]);
    } finally {
      holder.close();
    }
    const missing = await run('--scenarios', join(dir, 'no-such-folder'), '--', process.execPath, '-e', script);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([
      `contract-mock run: --scenarios ${join(dir, 'no-such-folder')}: no such folder`,
    ]);
    expect(existsSync(marker)).toBe(false);
    const unknown = await run('--', 'contract-mock-no-such-command');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(
      'contract-mock run: cannot run contract-mock-no-such-command: no such command (ENOENT)',
    );
  });

  test("SIGTERM to run reaches the command, then the mock stops; run exits with the command's code", async () => {
    const marker = join(dir, 'terminated');
    const script = `process.on('SIGTERM', () => { require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x'); process.exit(143); }); setInterval(() => {}, 1000); console.log('script ready ' + process.env.CONTRACT_MOCK_URL);`;
    const started = start(['--allow-empty', '--', process.execPath, '-e', script]);
    await started.output('script ready');
    process.kill(started.pid, 'SIGTERM');
    const r = await started.ran;
    expect(r.status).toBe(143);
    expect(existsSync(marker)).toBe(true);
    const url = /script ready (\S+)/.exec(r.stdout)![1]!;
    await expect(fetch(`${url}/__mock/health`)).rejects.toThrow();
  });
});
