/**
 * `contract-mock verify` through the real binary: --api picks the APIs, --generated the number of schema-generated
 * requests, --concurrency the requests in flight, and credentials come from --config with flags winning.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import type { VerificationReport } from '../../src/verify/verify-target.js';
import { forward } from '../helpers/drift-server.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

let mock: Awaited<ReturnType<typeof testMock>>;
let counter: { url: string; server: Server; maxInFlight: number; reset(): void };
const dir = mkdtempSync(join(tmpdir(), 'cm-verify-cli-'));

/** Forwards to the mock and counts the requests in flight at once. */
async function countingForwarder(upstream: string): Promise<typeof counter> {
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    void forward(upstream, req).then(
      (up) => {
        res.statusCode = up.status;
        res.setHeader('content-type', up.contentType ?? 'application/json');
        res.end(up.text, () => inFlight--);
      },
      () => res.destroy(),
    );
  });
  const url = await listen(server);
  return Object.assign(state, { url, server, reset: () => void (state.maxInFlight = 0) });
}

beforeAll(async () => {
  mock = await testMock();
  counter = await countingForwarder(await listen(mock.server));
});
afterAll(() => {
  counter.server.close();
  mock.server.close();
});

function verify(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; report: VerificationReport }> {
  const out = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'contract-mock.js'), 'verify', '--target', counter.url, '--json', out, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) =>
    child.on('exit', (code) =>
      resolve({ code, stdout, stderr, report: JSON.parse(readFileSync(out, 'utf8')) as VerificationReport }),
    ),
  );
}

describe('contract-mock verify (the command)', () => {
  test('--api, --generated and --concurrency 1: only those APIs, that many generated requests each, one request at a time; exit 0', async () => {
    counter.reset();
    const { code, report } = await verify([
      '--api',
      'wx-push',
      '--api',
      'wuhan-eduyun',
      '--generated',
      '2',
      '--concurrency',
      '1',
      '--seed',
      '5',
    ]);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
    expect(code).toBe(0);
    expect(Object.keys(report.summary.byApi).sort()).toEqual(['wuhan-eduyun', 'wx-push']);
    expect(new Set(report.checks.map((c) => c.api))).toEqual(new Set(['wuhan-eduyun', 'wx-push']));
    const generated = new Map<string, number>();
    for (const c of report.checks)
      if (c.kind === 'generated') generated.set(c.operationId, (generated.get(c.operationId) ?? 0) + 1);
    expect(
      [...generated.values()].every((n) => n === 2),
      JSON.stringify([...generated]),
    ).toBe(true);
    expect(generated.size).toBeGreaterThanOrEqual(3);
    expect(report.seed).toBe(5);
    expect(counter.maxInFlight).toBe(1);
  }, 60_000);

  test('--concurrency 4 has several requests in flight, never more than 4', async () => {
    counter.reset();
    const { code } = await verify([
      '--api',
      'platform-sync',
      '--api',
      'wx-push',
      '--generated',
      '3',
      '--concurrency',
      '4',
    ]);
    expect(code).toBe(0);
    expect(counter.maxInFlight).toBeGreaterThan(1);
    expect(counter.maxInFlight).toBeLessThanOrEqual(4);
  }, 60_000);

  test('credentials: --config supplies them, a flag overrides the file; wrong ones fail the flows with exit 1', async () => {
    const config = join(dir, 'target.yaml');
    writeFileSync(config, 'appid: cfg-app\nsecret: cfg-secret\nwuhanToken: cfg-token\norgId: cfg-org\n');
    // --keep-secrets: the report shows the credentials sent (masked by default: secret-output.test.ts).
    const { code, report, stdout } = await verify([
      '--api',
      'platform-sync',
      '--api',
      'wuhan-eduyun',
      '--generated',
      '0',
      '--config',
      config,
      '--org-id',
      'demo-org',
      '--keep-secrets',
    ]);
    expect(code).toBe(1);
    const tokenCalls = report.checks.filter((c) => c.operationId === 'channelToken' && c.kind === 'flow');
    expect(
      tokenCalls.some(
        (c) => String(c.request.body).includes('cfg-app') && String(c.request.body).includes('cfg-secret'),
      ),
      JSON.stringify(tokenCalls.map((c) => c.request.body)),
    ).toBe(true);
    const org = report.checks.filter((c) => c.operationId === 'getOrgInfo' && c.kind === 'flow');
    expect(org.length).toBeGreaterThan(0);
    for (const c of org) expect(c.request.url).toContain('access_token=cfg-token');
    const info = org.find((c) => c.name.endsWith('flow: org info'))!;
    expect(info.request.url).toContain('org_id=demo-org');
    expect(stdout).toMatch(/\d+ of \d+ checks failed against/);
  }, 60_000);

  test('an unknown --api is one plain line and exit 2', async () => {
    const child = spawn(
      process.execPath,
      [join(packageRoot(), 'bin', 'contract-mock.js'), 'verify', '--target', counter.url, '--api', 'nope'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^contract-mock verify: unknown --api nope; use .*platform-sync/);
  });
});
