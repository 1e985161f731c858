/** Every built-in scenario does what scenarios/README.md says, driven through the mock as a client would. */
import request from 'supertest';
import { beforeEach, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';
import { readdirSync } from 'node:fs';
import { defaultScenariosDir } from '../../src/scenarios/load-scenarios.js';

let m: Awaited<ReturnType<typeof testMock>>;
let slept: number[];
beforeEach(async () => {
  slept = [];
  m = await testMock({ sleep: async (ms) => void slept.push(ms) });
});

const activate = (name: string) => request(m.listener).post('/__mock/scenarios/active').send({ name }).expect(201);
const post = (path: string, body: object) => request(m.listener).post(path).send(body);
const form = (path: string, body: Record<string, unknown>) =>
  request(m.listener).post(path).type('form').send(Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])));
const token = async () => (await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).body.data.access_token as string;
const school = (t: string) => ({ access_token: t, organName: '武汉一中', organKind: 3, provinceName: '湖北省', cityName: '武汉市', areaName: '武昌区', otherId: 1 });
const profile = { loginName: 'li', password: 'pw', realName: '李雷', sex: 1, school: '武汉一中', grade: '1班', classNum: 1, englishscore: 99 };
async function iosUser(device = 'A'): Promise<{ token: string; userId: number }> {
  const userId = (await form('/datasyn/user/register', profile)).body.data.userId;
  const t = (await form('/datasyn/user/login', { loginName: profile.loginName, password: profile.password, synDevice: device })).body.data.token;
  return { token: t, userId };
}
const login = async (device: string) => (await form('/datasyn/user/login', { loginName: 'li', password: 'pw', synDevice: device })).body.data;

describe('built-in scenarios', () => {
  test('every scenario file is covered by a test in this file', () => {
    const names = readdirSync(defaultScenariosDir()).filter((f) => f.endsWith('.yaml')).map((f) => f.replace('.yaml', ''));
    const source = String(builtinsSource);
    for (const n of names) expect(source, n).toContain(`'${n}'`);
  });

  test('token-expired: the held token really expires (403); a new token works; renewing the expired one answers 40001', async () => {
    const t = await token();
    await activate('token-expired');
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body).toEqual({ status: 403, message: 'Forbidden' });
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body.status).toBe(403); // state, not a one-off envelope
    expect((await post('/v1/channel/token', { access_token: t })).body.code).toBe('40001');
    const fresh = await token();
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(fresh))).body.status).toBe(200);
  });

  test('token-expired on wuhan-eduyun and ios-datasyn', async () => {
    await activate('token-expired');
    const org = await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token');
    expect(org.body).toMatchObject({ code: '100001', message: 'access_token无效或已过期' });
    await request(m.listener).post('/__mock/reset');
    const { token: t } = await iosUser();
    await activate('token-expired');
    expect((await form('/datasyn/syn/ignore', { token: t, synDevice: 'A' })).body.meta).toEqual({ status: 4, message: 'token值无效' });
  });

  test('school-not-found / class-not-found / user-not-found answer 40410 / 40420 / 40430 even when the records exist', async () => {
    const t = await token();
    await post('/v1/abutment/syncSaveOrganMetadata', school(t));
    await post('/v1/abutment/syncSaveClassMetadata', { access_token: t, className: '一班', gradeName: '2018级', otherSchoolId: 1, otherId: 2 });
    await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 3 });
    await activate('school-not-found');
    // On the wire as the scenario's description and scenarios/README say: the document's own example body.
    expect((await post('/v1/abutment/syncSaveClassMetadata', { access_token: t, className: '一班', gradeName: '2018级', otherSchoolId: 1, otherId: 2 })).body).toEqual({ status: 403, message: 'Forbidden', code: '40410' });
    expect((await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 3 })).body.status).toBe(200); // names no school
    await request(m.listener).delete('/__mock/scenarios/active/school-not-found');
    await activate('class-not-found');
    expect((await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 3, otherClassId: 2 })).body.code).toBe('40420');
    expect((await post('/v1/abutment/syncDeleteClassMetadata/2', { access_token: t })).body.code).toBe('40420');
    await activate('user-not-found');
    expect((await post('/v1/abutment/syncDeleteUserMetadata/3', { access_token: t })).body.code).toBe('40430');
  });

  test('ios-token-invalid answers 4 to every call with a token; register and login still work', async () => {
    await activate('ios-token-invalid');
    const { token: t } = await iosUser();
    expect(t).toMatch(/^\d+:\d+$/);
    expect((await form('/datasyn/syn/trackdatas', { token: t, json: { trackData: {} } })).body.meta.status).toBe(4);
  });

  test('ios-sync-failed answers 3000 and the next login on that device reports synFlage 5', async () => {
    const { token: t, userId } = await iosUser('A');
    await activate('ios-sync-failed');
    const res = await form('/datasyn/syn/syntabledata', { token: t, json: { downSynTable: [], tableData: { usertest: [{ userId }] } } });
    expect(res.body.meta).toEqual({ status: 3000, message: '数据同步失败, token值有误' });
    expect((await login('A')).synFlage).toBe(5);
  });

  test.each([
    ['ios-login-other-device', 2],
    ['ios-login-sync-failed-elsewhere', 3],
    ['ios-login-data-left-here', 4],
    ['ios-login-sync-failed-here', 5],
  ])('%s makes the next login report synFlage %i, once', async (name, flag) => {
    await iosUser('A');
    await activate(name);
    const first = await login('A');
    expect(first.synFlage).toBe(flag);
    expect(typeof first.message).toBe('string');
    expect((await login('A')).synFlage).toBe(1);
  });

  test('wx-push-failed answers 16009 微校信息推送异常 in the receive envelope', async () => {
    await activate('wx-push-failed');
    expect((await post('/wx/wxc/receive', { event: 'x' })).body).toEqual({ code: 16009, message: '微校信息推送异常' });
  });

  test('wx-push-delivery-fails: receive succeeds, every delivery is recorded failed and nothing is sent', async () => {
    await request(m.listener).post('/wx/push/addPushProject').type('form').send({ url: 'http://127.0.0.1:9/never', project: 'p' });
    await activate('wx-push-delivery-fails');
    expect((await post('/wx/wxc/receive', { event: 'x' })).body).toEqual({ code: 200, message: 'success' });
    await m.pipeline.settled();
    const [call] = (await request(m.listener).get('/__mock/calls?operationId=receive')).body;
    expect(call.deliveries).toMatchObject([{ url: 'http://127.0.0.1:9/never', ok: false, error: expect.stringContaining('simulated') }]);
  });

  test('slow-network delays each call 1.5-4 s (seeded), then answers normally', async () => {
    await activate('slow-network');
    await token();
    await token();
    expect(slept).toHaveLength(2);
    for (const ms of slept) expect(ms).toBeGreaterThanOrEqual(1500), expect(ms).toBeLessThanOrEqual(4000);
    const again = await testMock({ sleep: async (ms) => void slept.push(ms) });
    await request(again.listener).post('/__mock/scenarios/active').send({ name: 'slow-network' });
    await request(again.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(slept[2]).toBe(slept[0]); // same seed, same session: the same delay
  });

  test('server-error / rate-limited answer a gateway HTML page (500 / 429 with Retry-After)', async () => {
    await activate('server-error');
    const res = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' });
    expect(res.status).toBe(500);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<title>500 Internal Server Error</title>');
    await request(m.listener).delete('/__mock/scenarios/active/server-error');
    await activate('rate-limited');
    const limited = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
  });

  test("internal-error answers each API's own server-failure code in HTTP 200", async () => {
    await activate('internal-error');
    expect((await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).body).toEqual({ status: 404, message: '异常错误' });
    expect((await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token')).body).toEqual({ code: '100001', message: '系统异常', result: null });
    expect((await form('/datasyn/user/login', { loginName: 'a', password: 'b', synDevice: 'c' })).body.meta.status).toBe(3000);
    expect((await request(m.listener).get('/wx/push/queryPushProject')).body).toMatchObject({ success: false, code: '10000' });
  });

  test('flaky: the first two calls of the session fail with 503, the third succeeds', async () => {
    await activate('flaky');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).status);
    expect(statuses).toEqual([503, 503, 200]);
    // Counters are per session.
    const other = await request(m.listener).post('/v1/channel/token').set('X-Mock-Session', 'other').set('X-Mock-Scenario', 'flaky').send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(other.status).toBe(503);
  });

  test("'connection-reset', 'empty-response', 'malformed-json' and 'request-timeout' are faults on the socket: see faults.test.ts", async () => {
    await activate('malformed-json');
    const res = await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' }).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.body as string)).toThrow();
  });
});

// The test above checks every scenario name appears in this file's source.
const builtinsSource = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8');
