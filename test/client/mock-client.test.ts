/** MockClient, imported as users import it (`contract-mock/client`), driving a mock on a real port: the QA script of the README. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MockClient, MockClientError } from 'contract-mock/client';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';

let url: string;
let m: Awaited<ReturnType<typeof testMock>>;
beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
});
afterAll(() => m.server.close());

async function post(client: MockClient, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...client.headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('MockClient', () => {
  test('the README QA script: a token expires on the mock clock, and verify proves the client renewed it', async () => {
    const mock = new MockClient(url).withSession('qa-token-expiry');
    await mock.reset();
    const { data } = (await post(mock, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })) as {
      data: { access_token: string };
    };
    await mock.advanceClock(7201);
    const school = {
      access_token: data.access_token,
      organName: '武汉一中',
      organKind: 3,
      provinceName: '湖北省',
      cityName: '武汉市',
      areaName: '武昌区',
      otherId: 1,
    };
    expect((await post(mock, '/v1/abutment/syncSaveOrganMetadata', school)).status).toBe(403);
    // ... the client under test would now get a new token and retry:
    const fresh = (await post(mock, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })) as {
      data: { access_token: string };
    };
    expect(
      (await post(mock, '/v1/abutment/syncSaveOrganMetadata', { ...school, access_token: fresh.data.access_token }))
        .status,
    ).toBe(200);

    expect(await mock.verify({ operationId: 'channelToken', count: 2 })).toEqual({
      ok: true,
      matched: 2,
      expected: 'exactly 2',
    });
    expect(
      await mock.verify({ operationId: 'syncSaveOrganMetadata', atLeast: 1, where: { code: '200' } }),
    ).toMatchObject({ ok: true });
    expect(await mock.violations()).toEqual([]);
    expect((await mock.calls({ operationId: 'syncSaveOrganMetadata' })).map((c) => c.response.code)).toEqual([
      '403',
      '200',
    ]);
  });

  test('sessions are isolated; clearCalls, state and seed work per session', async () => {
    const a = new MockClient(url, { session: 'client-a' });
    const b = a.withSession('client-b');
    await a.seed({ 'platform-sync': { apps: [{ appid: 'erp', secret: 'x' }] } });
    await post(a, '/v1/channel/token', { appid: 'erp', secret: 'x' });
    await post(b, '/v1/channel/token', { appid: 'erp', secret: 'x' });
    expect((await a.calls())[0]!.response.code).toBe('200');
    expect((await b.calls())[0]!.response.code).toBe('40001');
    await a.clearCalls();
    expect(await a.calls()).toEqual([]);
    expect(await b.calls()).toHaveLength(1);
    expect(((await a.state()) as { session: string }).session).toBe('client-a');
  });

  test('violations() lists what the client sent wrong', async () => {
    const c = new MockClient(url, { session: 'client-v' });
    await post(c, '/v1/channel/token', { appid: 'demo-app' });
    const [v] = await c.violations();
    expect(v!.violations.map((x) => x.pointer)).toContain('/body/secret');
  });

  test('scenarios(), activateScenario() and deactivateScenario(): per session, and the calls change accordingly', async () => {
    const qa = new MockClient(url, { session: 'client-scenarios' });
    const other = qa.withSession('client-scenarios-other');
    const listed = await qa.scenarios();
    expect((listed.available as Array<{ name: string }>).map((s) => s.name)).toContain('internal-error');
    expect(listed.active).toEqual([]);
    await qa.activateScenario('internal-error');
    expect(((await qa.scenarios()).active as Array<{ name: string }>).map((s) => s.name)).toEqual(['internal-error']);
    expect((await other.scenarios()).active).toEqual([]);
    expect(await post(qa, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).toEqual({
      status: 404,
      message: '异常错误',
    });
    expect((await post(other, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }))['status']).toBe(200);
    await qa.deactivateScenario('internal-error');
    expect((await qa.scenarios()).active).toEqual([]);
    expect((await post(qa, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }))['status']).toBe(200);
    const unknown = await qa.activateScenario('no-such-scenario').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MockClientError);
    expect((unknown as MockClientError).status).toBe(404);
    const notActive = await qa.deactivateScenario('internal-error').catch((e: unknown) => e);
    expect((notActive as MockClientError).status).toBe(404);
  });

  test('admin errors throw MockClientError carrying the problem detail', async () => {
    const c = new MockClient(url);
    const err = await c.verify({} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MockClientError);
    expect((err as MockClientError).status).toBe(400);
    expect((err as MockClientError).message).toContain('Name the calls to count');
  });
});

describe('MockClient.journal', () => {
  test('gives the calls and how many records of the session the journal lost to its caps', async () => {
    const small = await testMock({ journal: { maxPerSession: 1, maxTotal: 100 } });
    const smallUrl = await listen(small.server);
    try {
      const mock = new MockClient(smallUrl, { session: 'client-lost' });
      expect(await mock.journal()).toEqual({ calls: [], lost: 0 });
      for (let i = 0; i < 3; i++) await fetch(`${smallUrl}/wx/push/queryPushProject`, { headers: mock.headers });
      const { calls, lost } = await mock.journal();
      expect([calls.length, lost]).toEqual([1, 2]);
      expect(await mock.verify({ operationId: 'queryPushProject', count: 1 })).toMatchObject({
        ok: false,
        matched: 1,
        lost: 2,
      });
    } finally {
      small.server.close();
    }
  });
});
