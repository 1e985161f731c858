/** Bad input never crashes the mock: each gets a clear answer in the API's own envelope, and nothing is polluted. */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { responseViolations, testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});
afterEach(async () => {
  expect(responseViolations(m.calls)).toEqual([]);
  // The server is still healthy after every case.
  expect((await request(m.listener).get('/__mock/health')).body.status).toBe('ok');
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});

const violations = (res: request.Response) =>
  JSON.parse(String(res.headers['x-mock-violations'] ?? '[]')) as Array<{ pointer: string; message: string }>;
const TOKEN = '/v1/channel/token';

describe('unknown routes and methods', () => {
  test('an unknown path answers the no-route refusal (problem+json) that says where to look', async () => {
    const res = await request(m.listener).get('/v2/nothing');
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'tag:contract-mock,2026:refusal/no-route', status: 404 });
    expect(res.body.detail).toContain('No operation matches GET /v2/nothing');
    expect(res.body.detail).toContain('GET /__mock/health');
    expect(m.calls.at(-1)).toMatchObject({ api: null, operationId: null, path: '/v2/nothing' });
  });

  test.each([
    ['platform-sync', 'GET', '/v1/channel/token', { status: 403, message: 'Forbidden', code: '40004' }],
    [
      'wuhan-eduyun',
      'DELETE',
      '/user/openapi/org/get-org-info',
      { code: '100001', message: '请求方式不支持', result: null },
    ],
    ['ios-datasyn', 'GET', '/datasyn/user/login', { meta: { status: 3, message: '参数有误!' }, data: null }],
    ['wx-push', 'PUT', '/wx/wxc/receive', { success: false, message: '请求方法不支持', code: '10001', data: null }],
  ])('%s: %s on %s answers its illegal-request envelope', async (_api, method, path, body) => {
    const res = await request(m.listener)[method.toLowerCase() as 'get'](path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
  });
});

describe('malformed bodies', () => {
  test('malformed JSON', async () => {
    const res = await request(m.listener)
      .post(TOKEN)
      .set('Content-Type', 'application/json')
      .send('{"appid": "demo-app",');
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    expect(violations(res)[0]).toMatchObject({ pointer: '/body' });
    expect(violations(res)[0]!.message).toMatch(/^malformed JSON/);
  });

  test('a JSON array or scalar where an object is documented', async () => {
    for (const text of ['[1,2]', '"x"', '42', 'null']) {
      const res = await request(m.listener).post(TOKEN).set('Content-Type', 'application/json').send(text);
      expect(res.body.status, text).toBe(402);
    }
  });

  test('the wrong content type: form where JSON is documented, JSON where form is documented, text/plain', async () => {
    const form = await request(m.listener).post(TOKEN).type('form').send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(form.body.status).toBe(402);
    expect(violations(form)[0]!.message).toBe(
      'Content-Type must be application/json, got application/x-www-form-urlencoded',
    );
    const json = await request(m.listener).post('/datasyn/user/register').send({ loginName: 'a' });
    expect(json.body.meta.status).toBe(3);
    const text = await request(m.listener).post('/wx/wxc/receive').set('Content-Type', 'text/plain').send('hello');
    expect(text.body).toMatchObject({ code: 11001 });
  });

  test('an empty body', async () => {
    expect((await request(m.listener).post(TOKEN).set('Content-Type', 'application/json')).body.status).toBe(402);
    expect((await request(m.listener).post('/datasyn/user/login')).body.meta.status).toBe(2001);
    expect((await request(m.listener).post('/wx/push/addPushProject')).body.code).toBe('11002');
  });

  test('a 6 MB body is answered, not buffered', async () => {
    const big = JSON.stringify({ appid: 'x'.repeat(6 * 1024 * 1024), secret: 's' });
    const res = await request(m.listener).post(TOKEN).set('Content-Type', 'application/json').send(big);
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    expect(violations(res)[0]!.message).toMatch(/over the 1048576-byte limit/);
    expect(m.calls.at(-1)!.request.body).toMatch(/not kept/);
  });

  test('deep nesting, in a JSON body and inside a JSON form field', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const res = await request(m.listener).post(TOKEN).set('Content-Type', 'application/json').send(deep);
    expect(res.body.status).toBe(402);
    expect(violations(res).some((v) => /nesting deeper than 32/.test(v.message))).toBe(true);
    const inForm = await request(m.listener)
      .post('/datasyn/syn/synmetas')
      .type('form')
      .send({ token: '1:1', json: deep });
    expect(inForm.body.meta.status).toBe(5);
  });

  test('__proto__, constructor and prototype keys are refused and pollute nothing', async () => {
    const bodies = [
      '{"appid":"demo-app","secret":"demo-secret","__proto__":{"polluted":"yes"}}',
      '{"appid":"demo-app","secret":"demo-secret","constructor":{"prototype":{"polluted":"yes"}}}',
    ];
    for (const text of bodies) {
      const res = await request(m.listener).post(TOKEN).set('Content-Type', 'application/json').send(text);
      expect(res.body.status).toBe(402);
      expect(violations(res).some((v) => v.message.includes('is not allowed'))).toBe(true);
    }
    const form = await request(m.listener)
      .post('/datasyn/user/register')
      .type('form')
      .send('__proto__[polluted]=yes&__proto__=x&loginName=a');
    expect(form.body.meta.status).toBe(3);
    const inJson = await request(m.listener)
      .post('/datasyn/syn/trackdatas')
      .type('form')
      .send({ token: '1:1', json: '{"trackData":{"userLogin":[{"userId":1,"__proto__":{"polluted":"yes"}}]}}' });
    expect(inJson.body.meta.status).toBe(5);
    const query = await request(m.listener).get(
      '/user/openapi/org/get-org-info?__proto__=x&org_id=demo-org&access_token=demo-token',
    );
    expect(query.body.code).toBe('100001');
  });

  test('invalid UTF-8 and binary garbage', async () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28]);
    const res = await request(m.listener).post(TOKEN).set('Content-Type', 'application/json').send(garbage);
    expect(res.body.status).toBe(402);
  });

  test('a session id that is not printable ASCII is refused with problem+json', async () => {
    const res = await request(m.listener).get('/__mock/health').set('X-Mock-Session', 'a b');
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
  });
});

describe('journal of large bodies', () => {
  test('a body over 64 KB is journaled as a preview, not whole', async () => {
    const m2 = await testMock();
    await request(m2.listener)
      .post('/wx/wxc/receive')
      .send({ event: 'x', raw_data: 'y'.repeat(100_000) });
    const recorded = m2.calls.at(-1)!.request.body as string;
    expect(recorded).toMatch(/^\(\d+ bytes, not kept whole\) \{"event":"x"/);
    expect(recorded.length).toBeLessThan(2000);
  });
});
