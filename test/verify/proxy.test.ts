/** contract-mock proxy in front of the mock: forwards faithfully, reports violations of both sides (one injected by a scenario), records a replayable scenario. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, get as httpGet } from 'node:http';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createProxy } from '../../src/verify/proxy.js';
import { parseScenario } from '../../src/scenarios/load-scenarios.js';
import { API_MODULES } from '../../src/server/create-mock.js';
import { MockClient } from '../../src/client/mock-client.js';
import { listen } from '../helpers/listen.js';
import { loadContract, testMock } from '../helpers/mock.js';

const contract = await loadContract();
const dir = mkdtempSync(join(tmpdir(), 'cm-proxy-'));
const recordFile = join(dir, 'recorded-session.yaml');
let mock: Awaited<ReturnType<typeof testMock>>;
let proxyUrl: string;
let proxy: ReturnType<typeof createProxy>;
beforeAll(async () => {
  mock = await testMock();
  const mockUrl = await listen(mock.server);
  proxy = createProxy({ contract, target: mockUrl, log: () => {} });
  proxyUrl = await listen(proxy.server);
});
afterAll(() => {
  proxy.server.close();
  mock.server.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${proxyUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-session': 'proxied', ...headers },
    body: JSON.stringify(body),
  });

describe('proxy', () => {
  test('forwards requests and answers unchanged, and journals them through the admin API', async () => {
    const res = await post(
      '/v1/channel/token',
      { appid: 'demo-app', secret: 'demo-secret' },
      { 'x-mock-session': 'forwarded' },
    );
    const body = (await res.json()) as { status: number };
    expect(body.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const client = new MockClient(proxyUrl, { session: 'forwarded' });
    const calls = await client.calls();
    expect(calls.map((c) => [c.operationId, c.response.code, c.violations.length])).toEqual([
      ['channelToken', '200', 0],
    ]);
    // The mock behind saw the same call in the same session.
    expect(mock.journal.query('forwarded')).toHaveLength(1);
  });

  test('reports a request that breaks the contract, as the mock answers it', async () => {
    await post('/v1/abutment/syncSaveOrganMetadata', { access_token: 'x', organKind: 9 });
    const [call] = await new MockClient(proxyUrl, { session: 'proxied' }).calls({
      operationId: 'syncSaveOrganMetadata',
    });
    expect(call!.violations.filter((v) => v.side === 'request').map((v) => v.pointer)).toContain('/body/organKind');
  });

  test('reports response violations a scenario injects behind it (malformed JSON, an HTML 500)', async () => {
    await post(
      '/v1/channel/token',
      { appid: 'demo-app', secret: 'demo-secret' },
      { 'x-mock-scenario': 'malformed-json' },
    );
    await post(
      '/v1/channel/token',
      { appid: 'demo-app', secret: 'demo-secret' },
      { 'x-mock-scenario': 'server-error' },
    );
    const violations = await new MockClient(proxyUrl, { session: 'proxied' }).violations({
      operationId: 'channelToken',
    });
    const rules = violations.map((c) => c.violations.filter((v) => v.side === 'response').map((v) => v.rule));
    expect(rules).toEqual([['json'], ['http-status', 'content-type', 'json']]);
  });

  test('an unreachable target answers 502 and is journaled', async () => {
    const lone = createProxy({ contract, target: 'http://127.0.0.1:9', log: () => {} });
    const url = await listen(lone.server);
    const res = await fetch(`${url}/wx/push/queryPushProject`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { message: string }).message).toContain('could not reach');
    expect(lone.journal.query('default')[0]!.violations[0]!.rule).toBe('network');
    lone.server.close();
  });

  test('--record --keep-secrets writes a valid scenario that replays the recorded answers in order', async () => {
    // Its own proxy and traffic, so that the test does not depend on the ones before it. With the secrets kept
    // (proxy-record-secrets.test.ts: masked by default), the rule matches on the secret and replays the real token.
    const recorder = createProxy({
      contract,
      target: `http://127.0.0.1:${(mock.server.address() as { port: number }).port}`,
      record: recordFile,
      keepSecrets: true,
      log: () => {},
    });
    const recorderUrl = await listen(recorder.server);
    await fetch(`${recorderUrl}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': 'recorded' },
      body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
    });
    recorder.server.close();
    const text = readFileSync(recordFile, 'utf8');
    const { scenario, problems } = parseScenario(
      recordFile,
      text,
      contract,
      new Map(API_MODULES.map((m) => [m.api, m])),
    );
    expect(problems).toEqual([]);
    expect(scenario!.name).toBe('recorded-session');
    expect(scenario!.rules[0]!.when).toMatchObject({
      operationId: 'channelToken',
      body: { appid: 'demo-app', secret: 'demo-secret' },
    });
    // Replay on a fresh mock: the first token call answers the recorded token.
    const replay = await testMock({ scenarioDirs: [dir] });
    const recordedToken = (scenario!.rules[0]!.then!.body as { data: { access_token: string } }).data.access_token;
    const { default: request } = await import('supertest');
    const res = await request(replay.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Scenario', 'recorded-session')
      .send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(res.body.data.access_token).toBe(recordedToken);
  });
});

describe('contract-mock proxy (the command)', () => {
  test('listens, forwards and journals (--journal, --record); stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { packageRoot } = await import('../../src/contract/load-specs.js');
    const target = `http://127.0.0.1:${(mock.server.address() as { port: number }).port}`;
    const out = mkdtempSync(join(tmpdir(), 'cm-proxy-cli-'));
    const journalFile = join(out, 'calls.ndjson');
    const recorded = join(out, 'from-cli.yaml');
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'bin', 'contract-mock.js'),
        'proxy',
        '--target',
        target,
        '--port',
        '0',
        '--journal',
        journalFile,
        '--record',
        recorded,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // --port 0: the kernel binds a free port, the listening line says which.
    let printed = '';
    const port = await new Promise<string>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        printed += d.toString();
        const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(printed);
        if (listening) resolve(listening[1]!);
      }),
    );
    const res = await fetch(
      `http://127.0.0.1:${port}/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token`,
    );
    expect(((await res.json()) as { code: string }).code).toBe('000000');
    const calls = (await (await fetch(`http://127.0.0.1:${port}/__mock/calls`)).json()) as Array<{
      operationId: string;
    }>;
    expect(calls.map((c) => c.operationId)).toEqual(['getOrgInfo']);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = readFileSync(journalFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { operationId: string; response: { code: string } });
    expect(lines.map((l) => [l.operationId, l.response.code])).toEqual([['getOrgInfo', '000000']]);
    const { scenario, problems } = parseScenario(
      recorded,
      readFileSync(recorded, 'utf8'),
      contract,
      new Map(API_MODULES.map((m) => [m.api, m])),
    );
    expect(problems).toEqual([]);
    expect(scenario!.name).toBe('from-cli');
    expect(scenario!.rules.map((r) => [r.when.operationId, r.times])).toEqual([['getOrgInfo', 1]]);
  });
});

describe('proxy --record with answers that are not UTF-8 JSON', () => {
  // A loopback upstream answering getOrgInfo by org_id: a gateway's HTML page, text, nothing, JSON in GBK.
  const html =
    '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>网关错误</p></body></html>\r\n';
  const gbkJson = JSON.stringify({
    code: '000000',
    message: '成功',
    data: { org_id: 'gbk', org_name: '武汉市第一中学' },
  });
  const answers: Record<string, { status: number; type?: string; body: Buffer }> = {
    html: { status: 502, type: 'text/html', body: Buffer.from(html) },
    plain: { status: 503, type: 'text/plain; charset=utf-8', body: Buffer.from('upstream busy, 稍后再试') },
    empty: { status: 204, body: Buffer.alloc(0) },
    gbk: { status: 200, type: 'application/json;charset=GBK', body: iconv.encode(gbkJson, 'gbk') },
  };
  type Raw = { status: number; types: string[]; body: Buffer };
  const rawGet = (url: string, headers: Record<string, string> = {}): Promise<Raw> =>
    new Promise((resolve, reject) => {
      httpGet(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // Every Content-Type line as sent (a Headers object would join two of them into one).
          const types: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            if (res.rawHeaders[i]!.toLowerCase() === 'content-type') types.push(res.rawHeaders[i + 1]!);
          resolve({ status: res.statusCode!, types, body: Buffer.concat(chunks) });
        });
      }).on('error', reject);
    });

  test('forwards the upstream bytes and replays each with the one Content-Type the upstream sent', async () => {
    const upstream = createServer((req, res) => {
      const a = answers[new URL(req.url!, 'http://x').searchParams.get('org_id')!]!;
      res.writeHead(a.status, a.type ? { 'Content-Type': a.type } : {});
      res.end(a.body);
    });
    const upstreamUrl = await listen(upstream);
    const out = mkdtempSync(join(tmpdir(), 'cm-proxy-raw-'));
    const file = join(out, 'raw-answers.yaml');
    const recorder = createProxy({ contract, target: upstreamUrl, record: file, log: () => {} });
    const recorderUrl = await listen(recorder.server);
    const path = (org: string) => `/user/openapi/org/get-org-info?org_id=${org}&access_token=demo-token`;
    try {
      for (const [org, a] of Object.entries(answers)) {
        const forwarded = await rawGet(recorderUrl + path(org));
        expect([org, forwarded.status, forwarded.types, forwarded.body.equals(a.body)]).toEqual([
          org,
          a.status,
          a.type ? [a.type] : [],
          true,
        ]);
      }
      const { scenario, problems } = parseScenario(
        file,
        readFileSync(file, 'utf8'),
        contract,
        new Map(API_MODULES.map((m) => [m.api, m])),
      );
      expect(problems).toEqual([]);
      expect(scenario!.rules).toHaveLength(4);
      const replay = await testMock({ scenarioDirs: [out] });
      const replayUrl = await listen(replay.server);
      try {
        for (const [org, a] of Object.entries(answers)) {
          const replayed = await rawGet(replayUrl + path(org), { 'X-Mock-Scenario': 'raw-answers' });
          expect([org, replayed.status, replayed.types, replayed.body.toString('latin1')]).toEqual([
            org,
            a.status,
            a.type ? [a.type] : [],
            a.body.toString('latin1'),
          ]);
        }
      } finally {
        replay.server.close();
      }
    } finally {
      recorder.server.close();
      upstream.close();
    }
  });
});
