/**
 * proxy --record keeps no credentials by default: the file is 0600, its predicates leave out the fields holding a
 * secret (so the rule matches whatever secret a replaying client sends), its answers and descriptions are masked,
 * and it still replays; --keep-secrets (proxy.test.ts) records them as sent, also 0600. The CLI warns about it.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createProxy } from '../../src/verify/proxy.js';
import { parseScenario } from '../../src/scenarios/load-scenarios.js';
import { API_MODULES } from '../../src/server/create-mock.js';
import { listen } from '../helpers/listen.js';
import { loadContract, testMock } from '../helpers/mock.js';
import { serveProcess } from '../helpers/serve-process.js';

const contract = await loadContract();
const dir = mkdtempSync(join(tmpdir(), 'cm-proxy-secrets-'));
let mock: Awaited<ReturnType<typeof testMock>>;
let mockUrl: string;
beforeAll(async () => {
  mock = await testMock();
  mockUrl = await listen(mock.server);
});
afterAll(() => mock.server.close());

test('--record masks secrets, passwords and tokens, writes 0600, and the recording still replays', async () => {
  const file = join(dir, 'masked.yaml');
  const recorder = createProxy({ contract, target: mockUrl, record: file, log: () => {} });
  const url = await listen(recorder.server);
  try {
    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type, 'x-mock-session': 'rec' }, body });
    const token = (
      (await (
        await post('/v1/channel/token', JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }))
      ).json()) as { data: { access_token: string } }
    ).data.access_token;
    await post(
      '/datasyn/user/register',
      'loginName=rec&password=Hunter2pw&realName=r&sex=1&school=s&grade=g&classNum=1&englishscore=1',
      'application/x-www-form-urlencoded',
    );
    await fetch(`${url}/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token`, {
      headers: { 'x-mock-session': 'rec' },
    });
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    const text = readFileSync(file, 'utf8');
    for (const secret of ['demo-secret', 'demo-token', 'Hunter2pw', token])
      expect(text.includes(secret), `the recording holds ${secret}`).toBe(false);
    const { scenario, problems } = parseScenario(file, text, contract, new Map(API_MODULES.map((m) => [m.api, m])));
    expect(problems).toEqual([]);
    expect(scenario!.rules[0]!.when).toEqual({
      operationId: 'channelToken',
      path: '/v1/channel/token',
      body: { appid: 'demo-app' },
    });
    const masked = (scenario!.rules[0]!.then!.body as { data: { access_token: string } }).data.access_token;
    expect(masked).toMatch(/^\*\*\*/);
    // Replayed on a fresh mock: the rule matches whatever secret is sent, and answers the masked token.
    const replay = await testMock({ scenarioDirs: [dir] });
    const res = await request(replay.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Scenario', 'masked')
      .send({ appid: 'demo-app', secret: 'another-secret' });
    expect(res.body.data.access_token).toBe(masked);
  } finally {
    recorder.server.close();
  }
});

test('proxy --keep-secrets warns on stderr that the recording holds them in clear', async () => {
  const file = join(dir, 'kept.yaml');
  const proxy = await serveProcess(['--target', mockUrl, '--record', file, '--keep-secrets'], { command: 'proxy' });
  try {
    expect(proxy.stderr()).toMatch(
      /contract-mock proxy: warning: --keep-secrets: .*kept\.yaml will hold the secrets, passwords and tokens .* in clear/,
    );
    await fetch(`${proxy.url}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
    });
    // The recording is written right after the answer is sent: any later request is served after it.
    await (await fetch(`${proxy.url}/__mock/health`)).text();
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(file, 'utf8')).toContain('demo-secret');
  } finally {
    await proxy.stop();
  }
});
