/**
 * contract-mock verify: passes against our own mock for all four APIs, reports each way a drifted
 * provider breaks the contract (and exits 1), and passes Prism's example checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { DEFAULT_CREDENTIALS, verifyTarget, type VerificationReport } from '../../src/verify/verify-target.js';
import { DRIFTS, driftServer } from '../helpers/drift-server.js';
import { startPrism } from '../helpers/prism.js';
import { listen } from '../helpers/listen.js';
import { loadContract, testMock } from '../helpers/mock.js';

const contract = await loadContract();
let mock: Awaited<ReturnType<typeof testMock>>;
let mockUrl: string;
const closers: Array<() => void> = [];
beforeAll(async () => {
  mock = await testMock();
  mockUrl = await listen(mock.server);
  closers.push(() => mock.server.close());
});
afterAll(() => closers.forEach((c) => c()));

const verify = (target: string, apis?: string[]): Promise<VerificationReport> =>
  verifyTarget(contract, {
    target,
    apis,
    seed: 7,
    concurrency: 4,
    generated: 3,
    credentials: DEFAULT_CREDENTIALS,
    session: `verify-test-${Math.random()}`,
    timeoutMs: 10_000,
  });

describe('verify', () => {
  test.each(['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'] as const)(
    'the progress of %s counts to exactly the number of checks it runs',
    async (api) => {
      const progress: Array<[number, number]> = [];
      const report = await verifyTarget(contract, {
        target: mockUrl,
        apis: [api],
        seed: 7,
        concurrency: 4,
        generated: 1,
        credentials: DEFAULT_CREDENTIALS,
        session: `verify-count-${api}`,
        timeoutMs: 10_000,
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(progress.at(-1)).toEqual([report.checks.length, report.checks.length]);
      expect(new Set(progress.map(([, total]) => total))).toEqual(new Set([report.checks.length]));
    },
  );

  test("passes against the project's own mock for all four APIs: examples, generated, negative and flow checks", async () => {
    const report = await verify(mockUrl);
    expect(
      report.checks.filter((c) => !c.ok).map((c) => `${c.operationId} ${c.name}: ${JSON.stringify(c.failures)}`),
    ).toEqual([]);
    const kinds = new Set(report.checks.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['example', 'flow', 'generated', 'negative']);
    expect(Object.keys(report.summary.byApi).sort()).toEqual([
      'ios-datasyn',
      'platform-sync',
      'wuhan-eduyun',
      'wx-push',
    ]);
    // Every operation is exercised; flows reach the documented business codes.
    for (const op of contract.operations)
      expect(
        report.checks.some((c) => c.operationId === op.operationId),
        op.operationId,
      ).toBe(true);
    expect(report.checks.find((c) => c.name === 'platform-sync flow: delete the user again: 40430')?.ok).toBe(true);
  }, 60_000);

  test('the same seed sends the same generated requests; another seed, other requests', async () => {
    const generated = async (seed: number) =>
      (
        await verifyTarget(contract, {
          target: mockUrl,
          apis: ['wx-push', 'platform-sync'],
          seed,
          concurrency: 4,
          generated: 3,
          credentials: DEFAULT_CREDENTIALS,
          session: `verify-seed-${seed}-${Math.random()}`,
          timeoutMs: 10_000,
        })
      ).checks
        .filter((c) => c.kind === 'generated')
        .map((c) => `${c.request.url} ${JSON.stringify(c.request.body)}`)
        .sort();
    const a = await generated(7);
    expect(a.length).toBeGreaterThan(5);
    expect(await generated(7)).toEqual(a);
    expect(await generated(8)).not.toEqual(a);
  });

  test.each([
    ['renamedField', 'channelToken', '/data', 'required'],
    ['statusAsString', 'register', '/meta/status', 'type'],
    ['html500', 'getOrgInfo', '', 'http-status'],
    ['html500', 'getOrgInfo', '', 'content-type'],
    ['missingEnvelopeField', 'queryPushProject', '', 'required'],
    ['undocumentedCode', 'syncDeleteUserMetadata', '', 'documented-code'],
  ])(
    'a drifted provider (%s) is reported on %s at %s with rule %s',
    async (drift, operationId, pointer, rule) => {
      const fixture = await driftServer(mockUrl, [DRIFTS[drift]!]);
      closers.push(() => fixture.server.close());
      const report = await verify(fixture.url);
      const failures = report.checks.filter((c) => c.operationId === operationId && !c.ok).flatMap((c) => c.failures);
      expect(
        failures.some((f) => f.rule === rule && f.pointer.startsWith(pointer)),
        JSON.stringify(failures.slice(0, 3)),
      ).toBe(true);
    },
    60_000,
  );

  test('the CLI against a provider with every drift: a failure table, JUnit and JSON reports, exit 1', async () => {
    const fixture = await driftServer(mockUrl, Object.values(DRIFTS));
    closers.push(() => fixture.server.close());
    const dir = mkdtempSync(join(tmpdir(), 'cm-verify-'));
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'bin', 'contract-mock.js'),
        'verify',
        '--target',
        fixture.url,
        '--junit',
        join(dir, 'junit.xml'),
        '--json',
        join(dir, 'report.json'),
        '--seed',
        '3',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(stdout).toMatch(/✗ platform-sync channelToken .*\n\s+\/data\/access_token\s+\[required\]/);
    expect(stdout).toContain('[documented-code]  business code 49999 is not one syncDeleteUserMetadata documents');
    expect(stdout).toContain('request:  POST');
    expect(stdout).toMatch(/\d+ of \d+ checks failed against/);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(
      /<testcase classname="wuhan-eduyun.getOrgInfo" name="example: [^"]+"[^>]*>\s*<failure message="[^"]*\[http-status\]/,
    );
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as VerificationReport;
    expect(json.summary.failed).toBeGreaterThan(5);
  }, 60_000);
});

describe('verify against prism mock', () => {
  const prisms: ChildProcess[] = [];
  afterAll(() => prisms.forEach((p) => p.kill('SIGTERM')));

  test('Prism, serving the same specs, passes every example check', async () => {
    for (const api of contract.apis.values()) {
      const { child, port } = await startPrism(api.spec.file);
      prisms.push(child);
      const report = await verify(`http://127.0.0.1:${port}`, [api.api]);
      const examples = report.checks.filter((c) => c.kind === 'example');
      expect(examples.length).toBeGreaterThan(0);
      expect(
        examples.filter((c) => !c.ok).map((c) => `${c.operationId} ${c.name}: ${JSON.stringify(c.failures)}`),
      ).toEqual([]);
    }
  }, 90_000);
});
