/** contract-mock pact end to end: from a running mock's session or a journal file to pact files; mistakes exit 2. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { exactJson } from '../../src/contract/exact-json.js';
import { listen } from '../helpers/listen.js';
import { DRIFTS, driftServer } from '../helpers/drift-server.js';
import { testMock } from '../helpers/mock.js';
import { platformSyncFlow, wuhanFlow } from '../helpers/qa-flows.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const dir = mkdtempSync(join(tmpdir(), 'cm-pact-cli-'));

function run(
  args: string[],
  command = 'pact',
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [bin, command, ...args], { encoding: 'utf8', cwd: dir, env }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

let m: Awaited<ReturnType<typeof testMock>>;
let url: string;
const journal = join(dir, 'journal.ndjson');
beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
  await platformSyncFlow(m, 'qa');
  await wuhanFlow(m, 'qa');
  writeFileSync(journal, (await m.journal.query('qa')).map((c) => exactJson.stringify(c)).join('\n') + '\n');
});
afterAll(() => {
  m.close();
  m.server.close();
});

describe('contract-mock pact', () => {
  test('--url --session: one pact per API in ./pacts, named CONSUMER-PROVIDER.json, 0600', async () => {
    const r = await run(['--url', url, '--session', 'qa', '--consumer', 'school-app']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'pacts/school-app-platform-sync.json: 7 interactions between school-app and platform-sync (Pact v4)',
    );
    expect(r.stdout).toContain('pacts/school-app-wuhan-eduyun.json: 2 interactions');
    const file = join(dir, 'pacts', 'school-app-platform-sync.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      consumer: { name: 'school-app' },
      provider: { name: 'platform-sync' },
      metadata: { pactSpecification: { version: '4.0' } },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('--journal FILE with --provider NAME --out FILE.json: only the pact of that API, in that file', async () => {
    const out = join(dir, 'one.json');
    const r = await run(['--journal', journal, '--consumer', 'school-app', '--provider', 'wuhan-eduyun', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const pact = JSON.parse(readFileSync(out, 'utf8'));
    expect(pact.provider).toEqual({ name: 'wuhan-eduyun' });
    expect(pact.interactions).toHaveLength(2);
    expect(readFileSync(out, 'utf8')).not.toContain('demo-token');
  });

  test('mistakes are one line and exit 2; an empty session writes nothing and exits 1', async () => {
    expect((await run(['--consumer', 'x'])).stderr).toContain(
      'give --url URL --session S (a running mock) or --journal FILE',
    );
    const many = await run(['--journal', journal, '--consumer', 'x', '--out', join(dir, 'two.json')]);
    expect(many.status).toBe(2);
    expect(many.stderr).toContain('called 2 APIs');
    const ambiguous = await run(['--journal', journal, '--consumer', 'x', '--provider', 'sewise']);
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toContain('the session called platform-sync, wuhan-eduyun');
    const empty = await run(['--url', url, '--session', 'nobody', '--consumer', 'x', '--out', join(dir, 'empty')]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('no interactions to write');
    expect(existsSync(join(dir, 'empty'))).toBe(false);
  });

  test('verify --pact replays the written pact with its provider states: passes against a fresh mock, fails against a drifted one', async () => {
    const out = join(dir, 'replay.json');
    expect(
      (await run(['--journal', journal, '--consumer', 'school-app', '--provider', 'platform-sync', '--out', out]))
        .status,
    ).toBe(0);
    const fresh = await testMock({ seed: 5 });
    const freshUrl = await listen(fresh.server);
    const drift = await driftServer(freshUrl, [DRIFTS['renamedField']!]);
    try {
      const ok = await run(['--target', freshUrl, '--pact', out], 'verify');
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/all 7 checks passed/);
      const junit = join(dir, 'drift.xml');
      const drifted = await run(['--target', drift.url, '--pact', out, '--junit', junit], 'verify');
      expect(drifted.status).toBe(1);
      expect(drifted.stdout).toContain('2 of 7 checks failed');
      expect(drifted.stdout).toContain('$.data.access_token');
      expect(readFileSync(junit, 'utf8')).toContain('pact: channelToken POST /v1/channel/token answering 200');
    } finally {
      drift.server.close();
      fresh.close();
      fresh.server.close();
    }
  });

  test('verify --pact against a mock with --admin-token: the state calls carry the token; without it each state is refused, and the token is never printed', async () => {
    const out = join(dir, 'guarded.json');
    expect(
      (await run(['--journal', journal, '--consumer', 'school-app', '--provider', 'wuhan-eduyun', '--out', out]))
        .status,
    ).toBe(0);
    const guarded = await testMock({ adminToken: 'admin-token-4f9c2e' });
    const guardedUrl = await listen(guarded.server);
    try {
      const ok = await run(['--target', guardedUrl, '--pact', out], 'verify', {
        ...process.env,
        CONTRACT_MOCK_ADMIN_TOKEN: 'admin-token-4f9c2e',
      });
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout + ok.stderr).not.toContain('admin-token-4f9c2e');
      const refused = await run(['--target', guardedUrl, '--pact', out], 'verify', {
        ...process.env,
        CONTRACT_MOCK_ADMIN_TOKEN: '',
      });
      expect(refused.status).toBe(1);
      expect(refused.stdout).toMatch(
        /\[provider-state\]\s+state "a wuhan-eduyun access token was issued": .* answered HTTP 401/,
      );
    } finally {
      guarded.close();
      guarded.server.close();
    }
  });
});
