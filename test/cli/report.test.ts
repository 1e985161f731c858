/** `contract-mock report` against a mock on a real port: a readable table, JUnit and JSON files, exit 1 on violations. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
let url: string;
let m: Awaited<ReturnType<typeof testMock>>;
beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
});
afterAll(() => m.server.close());

const send = (session: string, path: string, body: string, type = 'application/json') =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type, 'x-mock-session': session }, body });

function report(...args: string[]) {
  // Async so the in-process mock can answer the child.
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    import('node:child_process').then(({ execFile }) => {
      execFile(process.execPath, [bin, 'report', ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  });
}

describe('contract-mock report', () => {
  test('prints violations grouped by operation, writes JUnit (a testcase per operation, a failure per violation naming field and rule) and JSON; exits 1', async () => {
    await send('bad', '/v1/channel/token', '{"appid":"demo-app","secret":"demo-secret"}');
    await send(
      'bad',
      '/v1/abutment/syncSaveOrganMetadata',
      '{"access_token":"x","organName":"a","organKind":7,"provinceName":"p","cityName":"c","areaName":"a","otherId":1}',
    );
    await send('bad', '/datasyn/user/register', 'loginName=a&password=p', 'application/x-www-form-urlencoded');
    const dir = mkdtempSync(join(tmpdir(), 'cm-report-'));
    const run = await report(
      '--url',
      url,
      '--session',
      'bad',
      '--junit',
      join(dir, 'junit.xml'),
      '--json',
      join(dir, 'report.json'),
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('syncSaveOrganMetadata');
    expect(run.stdout).toContain('/body/organKind enum');
    expect(run.stdout).toMatch(/\d+ contract violation\(s\) in 3 call\(s\) of session "bad"/);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toContain('<testcase classname="platform-sync" name="channelToken"');
    expect(xml).toContain('name="syncSaveOrganMetadata request /body/organKind (enum)"');
    expect(xml).toMatch(
      /<failure message="\/body\/organKind enum: must be one of \[1,2,3,4,5\] \(1 call\(s\)\)" type="enum"/,
    );
    expect(xml).toContain('/body/realName');
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json.operations.map((o: { operation: string }) => o.operation)).toEqual([
      'register',
      'channelToken',
      'syncSaveOrganMetadata',
    ]);
  });

  test('exits 0 when every call honoured the contract', async () => {
    await send('good', '/v1/channel/token', '{"appid":"demo-app","secret":"demo-secret"}');
    const run = await report('--url', url, '--session', 'good');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('no contract violations in 1 call(s) of session "good"');
  });

  // Issue 29: a session the mock never saw is a usage mistake (exit 2, "no such session"), no longer a warning and exit 1.
  test('a session the mock never saw (a misspelt --session) is one line and exit 2; --allow-empty accepts it', async () => {
    await send('ci', '/v1/channel/token', '{"appid":"demo-app","secret":"demo-secret"}');
    const misspelt = await report('--url', url, '--session', 'cj');
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr.trim().split('\n')).toHaveLength(1);
    expect(misspelt.stderr).toMatch(
      /^contract-mock report: no such session "cj" at http:\/\/127\.0\.0\.1:\d+ \(it has seen [^)]*\bci\b[^)]*\): check --session/,
    );
    expect(misspelt.stdout).toBe('');
    const allowed = await report('--url', url, '--session', 'ck', '--allow-empty');
    expect(allowed.status).toBe(0);
  });

  test('a session the mock holds but with no calls warns and exits 1; --allow-empty accepts it', async () => {
    await fetch(`${url}/__mock/reset`, { method: 'POST', headers: { 'x-mock-session': 'idle' } });
    const empty = await report('--url', url, '--session', 'idle');
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('warning: session "idle" has no calls, so nothing was checked');
    expect((await report('--url', url, '--session', 'idle', '--allow-empty')).status).toBe(0);
  });

  test('says clearly when the mock cannot be reached (exit 2)', async () => {
    // Port 2 (privileged, not a port fetch refuses): nothing listens there, where a freePort() may meanwhile be bound by a test running in parallel.
    const run = spawnSync(process.execPath, [bin, 'report', '--url', 'http://127.0.0.1:2'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cannot reach the mock at');
  });
});

describe('contract-mock report on a session that lost records to the journal caps', () => {
  test('says so in the table, JSON and JUnit, and exits 1 though every kept call honoured the contract', async () => {
    const small = await testMock({ journal: { maxPerSession: 2, maxTotal: 100 } });
    const smallUrl = await listen(small.server);
    try {
      for (let i = 0; i < 3; i++)
        await fetch(`${smallUrl}/v1/channel/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mock-session': 'lossy' },
          body: '{"appid":"demo-app","secret":"demo-secret"}',
        });
      const dir = mkdtempSync(join(tmpdir(), 'cm-report-'));
      const run = await report(
        '--url',
        smallUrl,
        '--session',
        'lossy',
        '--junit',
        join(dir, 'junit.xml'),
        '--json',
        join(dir, 'report.json'),
      );
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('no contract violations in 2 call(s) of session "lossy"');
      expect(run.stdout).toContain('1 record(s) of session "lossy" were evicted by the journal\'s caps');
      expect(run.stderr).toContain('the journal lost 1 record(s)');
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({
        calls: 2,
        lost: 1,
        violations: 0,
      });
      expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(
        /<testcase classname="journal" name="every call of the session was checked"[^>]*>\s*<failure message="1 record\(s\)[^"]*" type="journal-lost"/,
      );
    } finally {
      small.server.close();
    }
  });
});
