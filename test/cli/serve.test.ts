/** `contract-mock serve` end to end on a real port: the README's `npm start`, PORT, and refusing an exposed admin API. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

function serve(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ line: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('admin API')) resolve({ line: out.trim(), child });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
  });
}

describe('contract-mock serve', () => {
  test('serves the four APIs and the admin API on the port PORT names; exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const { line, child } = await serve([], { PORT: String(port) });
    expect(line).toContain(`listening on http://127.0.0.1:${port}`);
    expect(line).toContain(`dashboard  http://127.0.0.1:${port}/__mock/ui/`);
    expect(line).toContain(`admin API  http://127.0.0.1:${port}/__mock`);
    const health = (await (await fetch(`http://127.0.0.1:${port}/__mock/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const token = await fetch(`http://127.0.0.1:${port}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });
    expect(((await token.json()) as { status: number }).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test("prints one line per API with its base URL: the directory its operations share, or a served document's mount", async () => {
    const port = await freePort();
    const petstore = join(packageRoot(), 'node_modules', '@readme', 'oas-examples', '3.0', 'yaml', 'petstore.yaml');
    const { line } = await serve(['--port', String(port), '--spec', petstore]);
    const base = `http://127.0.0.1:${port}`;
    const apiLines = line.split('\n').slice(1, -2);
    expect(apiLines).toEqual([
      `  ios-datasyn    ${base}/datasyn/...`,
      `  platform-sync  ${base}/v1/...`,
      `  wuhan-eduyun   ${base}/user/openapi/org/...`,
      `  wx-push        ${base}/wx/...`,
      `  petstore       ${base}/v2/...`,
    ]);
    // Served at that base: an untouched pet exists until deleted (--rest-state overlay, the default).
    expect((await fetch(`${base}/v2/pet/1`, { headers: { api_key: 'k' } })).status).toBe(200);
  });

  test('refuses a non-loopback host without --admin-token, saying how to fix it', () => {
    const run = spawnSync(process.execPath, [bin, 'serve', '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('refusing to bind 0.0.0.0 without --admin-token');
    expect(run.stderr).toContain('Fix:');
  });

  test('--http-status mapped answers a business error with its x-http-status, and the served spec documents it; a bad mode is exit 2', async () => {
    const port = await freePort();
    await serve(['--port', String(port), '--http-status', 'mapped']);
    const res = await fetch(`http://127.0.0.1:${port}/wx/push/deletePushProject?id=435`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('16000');
    const spec = (await (await fetch(`http://127.0.0.1:${port}/__mock/specs/wx-push`)).json()) as {
      servers: Array<{ url: string }>;
      paths: Record<string, { delete: { responses: object } }>;
    };
    expect(spec.servers[0]!.url).toBe(`http://127.0.0.1:${port}`);
    expect(Object.keys(spec.paths['/wx/push/deletePushProject']!.delete.responses)).toContain('404');
    const bad = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--http-status', 'sometimes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--http-status must be documented or mapped, got sometimes');
  });

  test('with --admin-token the admin API wants the bearer token; the APIs stay open', async () => {
    const port = await freePort();
    await serve(['--port', String(port), '--admin-token', 's3cret']);
    expect((await fetch(`http://127.0.0.1:${port}/__mock/health`)).status).toBe(401);
    expect(
      (await fetch(`http://127.0.0.1:${port}/__mock/health`, { headers: { authorization: 'Bearer wrong!' } })).status,
    ).toBe(401);
    expect(
      (await fetch(`http://127.0.0.1:${port}/__mock/health`, { headers: { authorization: 'Bearer s3cret' } })).status,
    ).toBe(200);
    const org = await fetch(
      `http://127.0.0.1:${port}/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token`,
    );
    expect(((await org.json()) as { code: string }).code).toBe('000000');
  });

  test('--state DIR with --journal FILE: state in DIR, the journal in FILE (read back at the next start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-serve-state-'));
    const file = join(dir, 'logs', 'calls.ndjson');
    const port = await freePort();
    const { line, child } = await serve(['--port', String(port), '--state', join(dir, 'state'), '--journal', file]);
    expect(line).toContain(`journal in ${file}`);
    await fetch(`http://127.0.0.1:${port}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { operationId: string });
    expect(records.map((r) => r.operationId)).toEqual(['channelToken']);
    expect(existsSync(join(dir, 'state', 'journal.ndjson'))).toBe(false);
    const again = await freePort();
    await serve(['--port', String(again), '--state', join(dir, 'state'), '--journal', file]);
    expect(
      ((await (await fetch(`http://127.0.0.1:${again}/__mock/calls`)).json()) as Array<{ operationId: string }>).map(
        (c) => c.operationId,
      ),
    ).toEqual(['channelToken']);
  });

  // Issue 29: a scenario file that does not load (here a name a built-in holds) now stops serve at start (exit 2)
  // instead of being logged and skipped; test/cli/serve-scenarios.test.ts covers that, this one the files that load.
  test("--scenarios DIR serves a project's own scenario beside the built-ins; a clashing name stops the start, with file:line", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-serve-scn-'));
    writeFileSync(
      join(dir, 'my-token-down.yaml'),
      'name: my-token-down\ndescription: mine\nrules:\n  - when: { operationId: channelToken }\n    then: { error: "40001" }\n',
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', String(port), '--scenarios', dir, '--scenario', 'my-token-down'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('admin API') && resolve()),
    );
    const token = await fetch(`http://127.0.0.1:${port}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });
    expect(((await token.json()) as { code: string }).code).toBe('40001');
    writeFileSync(
      join(dir, 'flaky.yaml'),
      'name: flaky\ndescription: mine\nrules:\n  - when: {}\n    then: { httpError: 500 }\n',
    );
    const clash = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--scenarios', dir], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(clash.status).toBe(2);
    expect(clash.stderr).toContain(`${join(dir, 'flaky.yaml')}:1: /name: "flaky" is already the name of`);
  });
});

describe('contract-mock serve: graceful shutdown', () => {
  test('SIGINT waits for a webhook delivery in progress, journals it, then exits 0', async () => {
    const { createServer } = await import('node:http');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    // A webhook receiver that holds its answer until the test releases it.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const delivered = new Promise<void>((r) => (arrived = r));
    const receiver = createServer((req, res) => {
      req.resume();
      arrived();
      void released.then(() => res.end('ok'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const journal = join(mkdtempSync(join(tmpdir(), 'cm-shutdown-')), 'calls.ndjson');
    const port = await freePort();
    const { child } = await serve(['--port', String(port), '--journal', journal]);
    const base = `http://127.0.0.1:${port}`;
    await fetch(`${base}/wx/push/addPushProject`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ url: hook, project: 'shutdown' }).toString(),
    });
    const answer = await fetch(`${base}/wx/wxc/receive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"event":"shutdown"}',
    });
    expect(await answer.json()).toEqual({ code: 200, message: 'success' });
    await delivered;

    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    let exitedBeforeRelease = false;
    let releasedYet = false;
    const exited = new Promise<number | null>((r) =>
      child.on('exit', (code) => ((exitedBeforeRelease = !releasedYet), r(code))),
    );
    child.kill('SIGINT');
    // Once the mock says it is finishing, it must still be waiting for the held delivery.
    await expect.poll(() => out, { timeout: 10_000 }).toContain('SIGINT, finishing in-flight calls');
    expect(child.exitCode).toBe(null);
    releasedYet = true;
    release();
    expect(await exited).toBe(0);
    expect(exitedBeforeRelease).toBe(false);
    receiver.close();
    // The record is written when the answer goes out; the delivery outcomes follow as a `deliveriesOf` line.
    type Line = {
      id?: string;
      operationId?: string;
      deliveriesOf?: string;
      deliveries: Array<{ url: string; ok: boolean; status?: number; pending?: boolean }>;
    };
    const lines = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const receive = lines.find((r) => r.operationId === 'receive')!;
    const outcome = lines.filter((l) => l.deliveriesOf === receive.id).at(-1);
    expect(outcome?.deliveries).toMatchObject([{ url: hook, ok: true, status: 200 }]);
  }, 60_000);
});
