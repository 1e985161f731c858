/** Scenario activation: admin routes, the X-Mock-Scenario header, serve --scenario, given state, Prefer; all per session; recorded in the journal. */
import request from 'supertest';
import { beforeEach, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});

const as = (session: string) => ({
  post: (path: string, body: object) => request(m.listener).post(path).set('X-Mock-Session', session).send(body),
  get: (path: string) => request(m.listener).get(path).set('X-Mock-Session', session),
  del: (path: string) => request(m.listener).delete(path).set('X-Mock-Session', session),
});

async function schoolAndClass(session: string): Promise<request.Response> {
  const s = as(session);
  const t = (await s.post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).body.data.access_token;
  await s.post('/v1/abutment/syncSaveOrganMetadata', {
    access_token: t,
    organName: '武汉一中',
    organKind: 3,
    provinceName: '湖北省',
    cityName: '武汉市',
    areaName: '武昌区',
    otherId: 1,
  });
  return s.post('/v1/abutment/syncSaveClassMetadata', {
    access_token: t,
    className: '一班',
    gradeName: '2018级',
    otherSchoolId: 1,
    otherId: 10,
  });
}

describe('GET /__mock/scenarios', () => {
  test('lists every built-in scenario with description, question and rules; none active', async () => {
    const res = await request(m.listener).get('/__mock/scenarios');
    const names = res.body.available.map((s: { name: string }) => s.name);
    for (const n of [
      'token-expired',
      'school-not-found',
      'class-not-found',
      'user-not-found',
      'ios-token-invalid',
      'ios-sync-failed',
      'wx-push-failed',
      'slow-network',
      'server-error',
      'connection-reset',
      'malformed-json',
      'flaky',
    ]) {
      expect(names).toContain(n);
    }
    const school = res.body.available.find((s: { name: string }) => s.name === 'school-not-found');
    expect(school.description).toContain('40410');
    expect(school.question).toMatch(/\?$/);
    expect(school.rules[0].then).toEqual({ error: '40410' });
    expect(res.body.active).toEqual([]);
    // Files are shown under their folder's name, never where the package is installed.
    expect(school.file).toBe('scenarios/school-not-found.yaml');
    expect(res.text).not.toContain(process.cwd());
  });
});

describe('activation per session', () => {
  test('POST /__mock/scenarios/active changes only that session; hits are counted per rule; DELETE ends it', async () => {
    expect((await as('qa').post('/__mock/scenarios/active', { name: 'school-not-found' })).status).toBe(201);
    expect((await schoolAndClass('qa')).body).toEqual({ status: 403, message: 'Forbidden', code: '40410' });
    expect((await schoolAndClass('dev')).body.status).toBe(200);
    const listed = (await as('qa').get('/__mock/scenarios')).body.active;
    expect(listed).toMatchObject([
      {
        name: 'school-not-found',
        rules: [
          { index: 0, hits: 1 },
          { index: 1, hits: 0 },
        ],
      },
    ]);
    expect((await as('dev').get('/__mock/scenarios')).body.active).toEqual([]);
    expect((await as('qa').del('/__mock/scenarios/active/school-not-found')).status).toBe(200);
    expect((await schoolAndClass('qa')).body.status).toBe(200);
    const again = await as('qa').del('/__mock/scenarios/active/school-not-found');
    expect(again.status).toBe(404);
    expect(again.body.detail).toContain('is not active in session "qa"');
  });

  test('unknown names and bad bodies are problem+json with what to fix', async () => {
    const unknown = await as('x').post('/__mock/scenarios/active', { name: 'no-such' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('available: ');
    const bad = await as('x').post('/__mock/scenarios/active', { scenario: 'flaky' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('{"name": "token-expired"}');
  });

  test('X-Mock-Scenario applies scenarios to one request only (comma list); an unknown name is refused', async () => {
    const s = as('h');
    const t = (await s.post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).body.data.access_token;
    const del = (scenario?: string) => {
      const r = request(m.listener).post('/v1/abutment/syncDeleteUserMetadata/5').set('X-Mock-Session', 'h');
      return (scenario ? r.set('X-Mock-Scenario', scenario) : r).send({ access_token: t });
    };
    expect((await del('slow-network, user-not-found')).body.code).toBe('40430');
    expect((await del()).body.code).toBe('40430'); // the user never existed: the real answer
    const withServerError = await request(m.listener)
      .post('/v1/abutment/syncDeleteUserMetadata/5')
      .set('X-Mock-Scenario', 'server-error')
      .send({ access_token: t });
    expect(withServerError.status).toBe(500);
    const unknown = await del('nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('X-Mock-Scenario names nope');
  });

  test('the journal records which rule of which scenario changed a call', async () => {
    await as('j').post('/__mock/scenarios/active', { name: 'school-not-found' });
    await schoolAndClass('j');
    const calls = (await as('j').get('/__mock/calls?operationId=syncSaveClassMetadata')).body;
    expect(calls[0].scenarios).toEqual([{ scenario: 'school-not-found', rule: 0 }]);
    expect(calls[0].response.headers['X-Mock-Scenario-Applied']).toBe('["school-not-found#0"]');
    const token = (await as('j').get('/__mock/calls?operationId=channelToken')).body;
    expect(token[0].scenarios).toEqual([]);
  });

  test('activeScenarios (what serve --scenario sets; the flag itself: test/cli/serve-flags.test.ts): active in every session from the start, and again after reset', async () => {
    const served = await testMock({ activeScenarios: ['user-not-found'] });
    for (const session of ['a', 'b']) {
      const t = (
        await request(served.listener)
          .post('/v1/channel/token')
          .set('X-Mock-Session', session)
          .send({ appid: 'demo-app', secret: 'demo-secret' })
      ).body.data.access_token;
      expect(
        (await request(served.listener).get('/__mock/scenarios').set('X-Mock-Session', session)).body.active[0].name,
      ).toBe('user-not-found');
      await request(served.listener).post('/__mock/reset').set('X-Mock-Session', session);
      expect(
        (await request(served.listener).get('/__mock/scenarios').set('X-Mock-Session', session)).body.active[0].name,
      ).toBe('user-not-found');
      expect(t).toBeTruthy();
    }
    await expect(testMock({ activeScenarios: ['typo'] })).rejects.toThrow(/unknown scenario "typo"/);
  });
});

describe('Prefer (the Prism habit)', () => {
  test.each([
    ['example="empty"', 200, 'empty'],
    ['code=200; example=empty', 200, 'empty'],
    [' example = error-10000 , code = 200 ', 200, 'error-10000'],
    ['code=200', 200, 'success'],
    ['respond-async, wait=5', 200, 'handler'],
    ['code=, example=', 200, 'handler'],
    ['code=200, example=', 200, 'success'],
  ])('Prefer: %s answers %i with the %s answer', async (prefer, status, which) => {
    await request(m.listener)
      .post('/__mock/state')
      .send({ 'wx-push': { projects: [{ id: 5, url: 'http://saved', project: 'saved' }] } })
      .expect(201);
    const res = await request(m.listener).get('/wx/push/queryPushProject').set('Prefer', prefer);
    expect(res.status).toBe(status);
    const examples: Record<string, unknown> = {
      empty: [],
      'error-10000': null,
      success: [
        { id: 281, url: 'www.xn---xn--nw5a-9h6sj467a.org', project: '36hifl', statu: 0 },
        { id: 282, url: 'www.xn---xn--nw5a-9h6sj467a.org', project: 'ppuqpx', statu: 1 },
      ],
    };
    // Without a code or example to prefer, the handler answers from the session's state.
    expect(res.body.data).toEqual(
      which === 'handler' ? [{ id: 5, url: 'http://saved', project: 'saved', statu: 0 }] : examples[which],
    );
  });

  test('Prefer: code=<business code> answers that catalogue entry in the API envelope (a QA shortcut for one call)', async () => {
    const res = await request(m.listener).get('/wx/push/queryPushProject').set('Prefer', 'code=10000');
    expect([res.status, res.body]).toEqual([
      200,
      { success: false, message: '系统未知异常', code: '10000', data: null },
    ]);
    expect(res.headers['x-mock-violations']).toBeUndefined();
  });

  test('Prefer names every example the code documents, or none', async () => {
    const missing = await request(m.listener).get('/wx/push/queryPushProject').set('Prefer', 'example=nope');
    expect([missing.status, missing.body.detail]).toEqual([
      400,
      'queryPushProject documents no response example "nope"; it has: success, empty, error-10000.',
    ]);
    const none = await request(m.listener).get('/wx/push/queryPushProject').set('Prefer', 'code=404');
    expect([none.status, none.body.detail]).toEqual([400, 'queryPushProject documents no response 404; it has: 200.']);
    expect(none.body.type).toBe('tag:contract-mock,2026:refusal/no-such-example');
  });

  test('Prefer: code=200, example=NAME answers that documented example; an unknown example says which exist', async () => {
    const res = await request(m.listener)
      .post('/datasyn/syn/synmetas')
      .type('form')
      .set('Prefer', 'code=200, example=error4')
      .send({
        token: '1:1',
        json: JSON.stringify({ tablemeta: [{ synTable: 'user', version: 0, lastModTime: null }] }),
      });
    expect(res.body).toEqual({ meta: { status: 4, message: 'token值无效' }, data: null });
    const first = await request(m.listener).get('/wx/push/queryPushProject').set('Prefer', 'code=200');
    expect(first.body.success).toBe(true);
    expect(first.body.data.length).toBeGreaterThan(0);
    const missing = await request(m.listener).get('/wx/push/queryPushProject').set('Prefer', 'code=200, example=nope');
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/documents no response example "nope" for code 200; it has: /);
  });
});
