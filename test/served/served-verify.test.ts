/** verify, proxy, report and scenarios work for a served spec as for the four: its checks pass against the mock, a drifted provider fails them, the proxy journals its violations, report names them. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/contract/load-specs.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createProxy } from '../../src/verify/proxy.js';
import { verifyTarget, DEFAULT_CREDENTIALS } from '../../src/verify/verify-target.js';
import { listen } from '../helpers/listen.js';
import { oasExample, servedMock } from '../helpers/served.js';

const PETSTORE = oasExample('3.0/yaml/petstore-expanded.yaml');
let m: Awaited<ReturnType<typeof servedMock>>;
let url: string;
beforeAll(async () => {
  m = await servedMock([PETSTORE]);
  url = await listen(m.server);
});
afterAll(() => {
  m.close();
  m.server.close();
});

const options = (target: string) => ({
  target,
  apis: ['petstore-expanded'],
  seed: 3,
  concurrency: 2,
  generated: 2,
  credentials: DEFAULT_CREDENTIALS,
  session: 'verify-served',
  timeoutMs: 5000,
});

describe('verify --spec', () => {
  test('every check of the served API passes against the mock that serves it', async () => {
    const report = await verifyTarget(m.contract, options(url));
    expect(report.summary.total).toBeGreaterThan(4);
    expect(
      report.checks.filter((c) => !c.ok).map((c) => `${c.operationId} ${c.name}: ${JSON.stringify(c.failures)}`),
    ).toEqual([]);
    const kinds = new Set(report.checks.map((c) => c.kind));
    expect(kinds.has('generated') && kinds.has('negative')).toBe(true);
  });

  test("a provider that drifted (a pet's id as text, a 200 for a broken request) fails with the field named", async () => {
    const drifted = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.url?.startsWith('/api/pets/') ? JSON.stringify({ id: 'seven', name: 'Rex' }) : JSON.stringify([]));
      });
    });
    const target = await listen(drifted);
    const report = await verifyTarget(m.contract, options(target));
    drifted.close();
    const failures = report.checks.filter((c) => !c.ok).flatMap((c) => c.failures);
    expect(failures).toContainEqual(expect.objectContaining({ pointer: '/id', rule: 'type' }));
    expect(failures.some((f) => f.message.includes('expected a 4xx refusal'))).toBe(true);
  });
});

describe('proxy --spec', () => {
  test("journals a served API's calls with the violations of both sides", async () => {
    const proxy = createProxy({ contract: m.contract, target: url, log: () => {} });
    const proxyUrl = await listen(proxy.server);
    const res = await fetch(`${proxyUrl}/api/pets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': 'proxied' },
      body: JSON.stringify({ tag: 'no name' }),
    });
    expect(res.status).toBe(422);
    const calls = proxy.journal.query('proxied');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ api: 'petstore-expanded', operationId: 'addPet' });
    expect(calls[0]!.violations).toContainEqual(expect.objectContaining({ side: 'request', pointer: '/body/name' }));
    proxy.server.close();
  });
});

describe('report --spec', () => {
  const bin = join(packageRoot(), 'bin', 'contract-mock.js');
  const report = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'report', ...args], { encoding: 'utf8' }, (err, stdout) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });

  test("names a served API's operations and their violations in the table and the JUnit file, and exits 1", async () => {
    const s = { 'content-type': 'application/json', 'x-mock-session': 'report-served' };
    await fetch(`${url}/api/pets`, { method: 'POST', headers: s, body: '{"name":"Rex"}' });
    await fetch(`${url}/api/pets`, { method: 'POST', headers: s, body: '{"tag":"no name"}' });
    const dir = mkdtempSync(join(tmpdir(), 'cm-report-served-'));
    const run = await report('--url', url, '--session', 'report-served', '--junit', join(dir, 'junit.xml'));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('addPet');
    expect(run.stdout).toMatch(/\/body\/name/);
    expect(run.stdout).toMatch(/contract violation\(s\) in 2 call\(s\) of session "report-served"/);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toContain('<testcase classname="petstore-expanded" name="addPet');
  });

  test('exits 0 when every call of the served API honoured its contract', async () => {
    const s = { 'content-type': 'application/json', 'x-mock-session': 'report-served-ok' };
    await fetch(`${url}/api/pets`, { method: 'POST', headers: s, body: '{"name":"Rex"}' });
    const run = await report('--url', url, '--session', 'report-served-ok');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('no contract violations in 1 call(s) of session "report-served-ok"');
  });
});

describe('scenarios of a served API through the admin API', () => {
  test('a built-in generic scenario activated for a session by POST /__mock/scenarios/active changes its calls, and deactivating it restores them', async () => {
    const s = { 'content-type': 'application/json', 'x-mock-session': 'scn-served' };
    const on = await fetch(`${url}/__mock/scenarios/active`, {
      method: 'POST',
      headers: s,
      body: '{"name":"server-error"}',
    });
    expect(on.status).toBeLessThan(300);
    const failed = await fetch(`${url}/api/pets`, { headers: s });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const calls = (await (await fetch(`${url}/__mock/calls?api=petstore-expanded`, { headers: s })).json()) as Array<{
      operationId: string;
      scenarios: Array<{ scenario: string }>;
    }>;
    expect(calls.map((c) => [c.operationId, c.scenarios.map((x) => x.scenario)])).toEqual([
      ['findPets', ['server-error']],
    ]);
    expect(
      (await fetch(`${url}/__mock/scenarios/active/server-error`, { method: 'DELETE', headers: s })).status,
    ).toBeLessThan(300);
    expect((await fetch(`${url}/api/pets`, { headers: s })).status).toBe(200);
  });
});
