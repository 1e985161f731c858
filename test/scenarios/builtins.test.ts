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
  request(m.listener)
    .post(path)
    .type('form')
    .send(
      Object.fromEntries(
        Object.entries(body).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      ),
    );
const token = async () =>
  (await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).body.data.access_token as string;
const school = (t: string) => ({
  access_token: t,
  organName: '武汉一中',
  organKind: 3,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId: 1,
});
const profile = {
  loginName: 'li',
  password: 'pw',
  realName: '李雷',
  sex: 1,
  school: '武汉一中',
  grade: '1班',
  classNum: 1,
  englishscore: 99,
};
async function iosUser(device = 'A'): Promise<{ token: string; userId: number }> {
  const userId = (await form('/datasyn/user/register', profile)).body.data.userId;
  const t = (
    await form('/datasyn/user/login', { loginName: profile.loginName, password: profile.password, synDevice: device })
  ).body.data.token;
  return { token: t, userId };
}
const login = async (device: string) =>
  (await form('/datasyn/user/login', { loginName: 'li', password: 'pw', synDevice: device })).body.data;

/**
 * Every test of a built-in scenario is declared through `scenarioTest`, naming the scenarios it is about:
 * after its body, the test fails unless the mock's own records show each named scenario changed a call.
 * The names are collected when the tests are defined, so the file check below does not depend on order.
 */
const declared = new Set<string>();
function scenarioTest(names: string[], title: string, body: () => Promise<void>): void {
  for (const n of names) declared.add(n);
  test(title, async () => {
    await body();
    const applied = new Set(m.calls.flatMap((c) => c.scenarios.map((a) => a.scenario)));
    for (const n of names) expect(applied.has(n), `no call of this test was changed by scenario ${n}`).toBe(true);
  });
}

describe('built-in scenarios', () => {
  test('every scenario file has a test here that sees it change a call', () => {
    const names = readdirSync(defaultScenariosDir())
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace('.yaml', ''));
    expect(names.length).toBeGreaterThanOrEqual(12);
    expect(
      names.filter((n) => !declared.has(n)),
      'scenario files without a test',
    ).toEqual([]);
  });

  scenarioTest(
    ['token-expired'],
    'token-expired: the held token really expires (403); a new token works; renewing the expired one answers 40001',
    async () => {
      const t = await token();
      await activate('token-expired');
      expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body).toEqual({
        status: 403,
        message: 'Forbidden',
      });
      expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body.status).toBe(403); // state, not a one-off envelope
      expect((await post('/v1/channel/token', { access_token: t })).body.code).toBe('40001');
      const fresh = await token();
      expect((await post('/v1/abutment/syncSaveOrganMetadata', school(fresh))).body.status).toBe(200);
    },
  );

  scenarioTest(['token-expired'], 'token-expired on wuhan-eduyun and ios-datasyn', async () => {
    await activate('token-expired');
    const org = await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token');
    expect(org.body).toMatchObject({ code: '100001', message: 'access_token无效或已过期' });
    await request(m.listener).post('/__mock/reset');
    const { token: t } = await iosUser();
    await activate('token-expired');
    expect((await form('/datasyn/syn/ignore', { token: t, synDevice: 'A' })).body.meta).toEqual({
      status: 4,
      message: 'token值无效',
    });
  });

  scenarioTest(
    ['school-not-found', 'class-not-found', 'user-not-found'],
    'school-not-found / class-not-found / user-not-found answer 40410 / 40420 / 40430 even when the records exist',
    async () => {
      const t = await token();
      await post('/v1/abutment/syncSaveOrganMetadata', school(t));
      await post('/v1/abutment/syncSaveClassMetadata', {
        access_token: t,
        className: '一班',
        gradeName: '2018级',
        otherSchoolId: 1,
        otherId: 2,
      });
      await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 3 });
      await activate('school-not-found');
      // On the wire as the scenario's description and scenarios/README say: the document's own example body.
      expect(
        (
          await post('/v1/abutment/syncSaveClassMetadata', {
            access_token: t,
            className: '一班',
            gradeName: '2018级',
            otherSchoolId: 1,
            otherId: 2,
          })
        ).body,
      ).toEqual({ status: 403, message: 'Forbidden', code: '40410' });
      expect((await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 3 })).body.status).toBe(200); // names no school
      await request(m.listener).delete('/__mock/scenarios/active/school-not-found');
      await activate('class-not-found');
      expect(
        (await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 3, otherClassId: 2 })).body.code,
      ).toBe('40420');
      expect((await post('/v1/abutment/syncDeleteClassMetadata/2', { access_token: t })).body.code).toBe('40420');
      await activate('user-not-found');
      expect((await post('/v1/abutment/syncDeleteUserMetadata/3', { access_token: t })).body.code).toBe('40430');
    },
  );

  scenarioTest(
    ['ios-token-invalid'],
    'ios-token-invalid answers 4 to every call with a token; register and login still work',
    async () => {
      await activate('ios-token-invalid');
      const { token: t } = await iosUser();
      expect(t).toMatch(/^\d+:\d+$/);
      expect((await form('/datasyn/syn/trackdatas', { token: t, json: { trackData: {} } })).body.meta.status).toBe(4);
    },
  );

  scenarioTest(
    ['ios-sync-failed'],
    'ios-sync-failed answers 3000 and the next login on that device reports synFlage 5',
    async () => {
      const { token: t, userId } = await iosUser('A');
      await activate('ios-sync-failed');
      const res = await form('/datasyn/syn/syntabledata', {
        token: t,
        json: { downSynTable: [], tableData: { usertest: [{ userId }] } },
      });
      expect(res.body.meta).toEqual({ status: 3000, message: '数据同步失败, token值有误' });
      expect((await login('A')).synFlage).toBe(5);
    },
  );

  // The flag and its text as the document pairs them (2.登录接口).
  for (const [name, flag, message] of [
    ['ios-login-other-device', 2, '有可能有数据遗留在上次操作的设备上'],
    ['ios-login-sync-failed-elsewhere', 3, '在上次登录操作的设备上数据同步失败'],
    ['ios-login-data-left-here', 4, '有可能有数据遗留在当前的设备上'],
    ['ios-login-sync-failed-here', 5, '上次在当前设备上数据同步失败'],
  ] as const) {
    scenarioTest([name], `${name} makes the next login report synFlage ${flag} ${message}, once`, async () => {
      await iosUser('A');
      await activate(name);
      expect(await login('A')).toMatchObject({ synFlage: flag, message });
      expect(await login('A')).toMatchObject({ synFlage: 1, message: '同步成功' });
    });
  }

  scenarioTest(
    ['wx-push-failed'],
    'wx-push-failed answers 16009 微校信息推送异常 in the receive envelope',
    async () => {
      await activate('wx-push-failed');
      expect((await post('/wx/wxc/receive', { event: 'x' })).body).toEqual({
        code: 16009,
        message: '微校信息推送异常',
      });
    },
  );

  scenarioTest(
    ['wx-push-delivery-fails'],
    'wx-push-delivery-fails: receive succeeds, every delivery is recorded failed and nothing is sent',
    async () => {
      await request(m.listener)
        .post('/wx/push/addPushProject')
        .type('form')
        .send({ url: 'http://127.0.0.1:9/never', project: 'p' });
      await activate('wx-push-delivery-fails');
      expect((await post('/wx/wxc/receive', { event: 'x' })).body).toEqual({ code: 200, message: 'success' });
      await m.pipeline.settled();
      const [call] = (await request(m.listener).get('/__mock/calls?operationId=receive')).body;
      expect(call.deliveries).toMatchObject([
        { url: 'http://127.0.0.1:9/never', ok: false, error: expect.stringContaining('simulated') },
      ]);
    },
  );

  scenarioTest(['slow-network'], 'slow-network delays each call 1.5-4 s (seeded), then answers normally', async () => {
    await activate('slow-network');
    await token();
    await token();
    expect(slept).toHaveLength(2);
    for (const ms of slept) {
      expect(ms).toBeGreaterThanOrEqual(1500);
      expect(ms).toBeLessThanOrEqual(4000);
    }
    const again = await testMock({ sleep: async (ms) => void slept.push(ms) });
    await request(again.listener).post('/__mock/scenarios/active').send({ name: 'slow-network' });
    await request(again.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(slept[2]).toBe(slept[0]); // same seed, same session: the same delay
  });

  scenarioTest(
    ['server-error', 'rate-limited'],
    'server-error / rate-limited answer a gateway HTML page (500 / 429 with Retry-After)',
    async () => {
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
    },
  );

  scenarioTest(
    ['internal-error'],
    "internal-error answers each API's own server-failure code in HTTP 200",
    async () => {
      await activate('internal-error');
      expect((await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).body).toEqual({
        status: 404,
        message: '异常错误',
      });
      expect(
        (await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token')).body,
      ).toEqual({ code: '100001', message: '系统异常', result: null });
      expect(
        (await form('/datasyn/user/login', { loginName: 'a', password: 'b', synDevice: 'c' })).body.meta.status,
      ).toBe(3000);
      expect((await request(m.listener).get('/wx/push/queryPushProject')).body).toMatchObject({
        success: false,
        code: '10000',
      });
    },
  );

  scenarioTest(['flaky'], 'flaky: the first two calls of the session fail with 503, the third succeeds', async () => {
    await activate('flaky');
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })).status);
    expect(statuses).toEqual([503, 503, 200]);
    // Counters are per session.
    const other = await request(m.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Session', 'other')
      .set('X-Mock-Scenario', 'flaky')
      .send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(other.status).toBe(503);
  });

  // Socket faults as the client sees them (each over a real connection: supertest listens on a loopback port).
  scenarioTest(['malformed-json'], 'malformed-json: HTTP 200 and a JSON text cut off mid-way', async () => {
    await activate('malformed-json');
    const res = await request(m.listener)
      .post('/v1/channel/token')
      .send({ appid: 'demo-app', secret: 'demo-secret' })
      .buffer(true)
      .parse((r, cb) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c));
        r.on('end', () => cb(null, text));
      });
    expect(res.status).toBe(200);
    expect((res.body as string).startsWith('{"status":200')).toBe(true);
    expect(() => JSON.parse(res.body as string)).toThrow();
  });

  scenarioTest(
    ['connection-reset', 'empty-response'],
    'connection-reset and empty-response: the connection ends with no answer at all',
    async () => {
      await activate('connection-reset');
      const reset = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }).then(
        () => 'answered',
        (e: NodeJS.ErrnoException) => e.code ?? e.message,
      );
      expect(reset).toBe('ECONNRESET');
      await request(m.listener).delete('/__mock/scenarios/active/connection-reset');
      await activate('empty-response');
      const empty = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }).then(
        () => 'answered',
        (e: NodeJS.ErrnoException) => e.code ?? e.message,
      );
      expect(['ECONNRESET', 'socket hang up']).toContain(empty);
    },
  );

  scenarioTest(['request-timeout'], 'request-timeout: no answer until the client gives up', async () => {
    await activate('request-timeout');
    const outcome = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' })
      .timeout(300)
      .then(
        () => 'answered',
        (e: { timeout?: number }) => (e.timeout ? 'client timed out' : String(e)),
      );
    expect(outcome).toBe('client timed out');
    m.close();
  });
});
