/** platform-sync flows: token lifecycle, upserts and deletes with the documented codes, the document's curl examples replayed. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { responseViolations, T0, testMock } from '../helpers/mock.js';
import { defaultScenariosDir } from '../../src/scenarios/load-scenarios.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});
afterEach(() => {
  expect(responseViolations(m.calls)).toEqual([]);
});

const post = (path: string, body: unknown, session = 'default') =>
  request(m.listener)
    .post(path)
    .set('X-Mock-Session', session)
    .send(body as object);
async function token(session = 'default'): Promise<string> {
  const res = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, session);
  return res.body.data.access_token as string;
}
const school = (t: string, otherId = 100) => ({
  access_token: t,
  organName: '因尚囟1圳中学',
  organKind: 2,
  provinceName: '广东省',
  cityName: '深圳市',
  areaName: '南山区',
  otherId,
});
const klass = (t: string, otherId = 132, otherSchoolId = 100) => ({
  access_token: t,
  className: '尖子班',
  gradeName: '2018级',
  otherSchoolId,
  otherId,
});

describe('token (1.1 / 1.2)', () => {
  test('demo-app gets a 40-character token valid 7200 s, with expire in yyyy-MM-dd HH:mm:ss (China time)', async () => {
    const res = await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(200);
    expect(res.body.data.access_token).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(res.body.data.expires_in).toBe(7200);
    // T0 is 2018-07-18 15:08:43 China time; +7200 s is the document's own example expire.
    expect(res.body.data.expire).toBe('2018-07-18 17:08:43');
  });

  test.each([
    ['wrong secret', { appid: 'demo-app', secret: 'nope' }],
    ['unknown app', { appid: 'other', secret: 'demo-secret' }],
  ])('%s answers 40001 不合法的凭证', async (_n, body) => {
    const res = await post('/v1/channel/token', body);
    expect(res.body).toEqual({ status: 403, message: 'Forbidden', code: '40001' });
  });

  test('the token expires after 7200 s of mock clock: any call then answers status 403', async () => {
    const t = await token();
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body.status).toBe(200);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 7199 });
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body.status).toBe(200);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 1 });
    const res = await post('/v1/abutment/syncSaveOrganMetadata', school(t));
    expect(res.body.status).toBe(403);
  });

  test('renewal keeps the token and extends it 24 h from now; an expired token cannot be renewed (40001)', async () => {
    const t = await token();
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 7000 });
    const renewed = await post('/v1/channel/token', { access_token: t });
    expect(renewed.body.data).toMatchObject({ access_token: t, expires_in: 86400 });
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 86399 });
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body.status).toBe(200);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 1 });
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(t))).body.status).toBe(403);
    expect((await post('/v1/channel/token', { access_token: t })).body.code).toBe('40001');
  });

  test('an unknown token answers 403 on every data operation', async () => {
    for (const [path, body] of [
      ['/v1/abutment/syncSaveOrganMetadata', school('x')],
      ['/v1/abutment/syncSaveClassMetadata', klass('x')],
      ['/v1/abutment/syncSaveUserMetadata', { access_token: 'x', uid: 1 }],
      ['/v1/abutment/syncDeleteOrganMetadata/1', { access_token: 'x' }],
      ['/v1/abutment/syncDeleteClassMetadata/1', { access_token: 'x' }],
      ['/v1/abutment/syncDeleteUserMetadata/1', { access_token: 'x' }],
    ] as const) {
      expect((await post(path, body)).body, path).toEqual({ status: 403, message: 'Forbidden' });
    }
  });

  test('tokens seeded through /__mock/state live ttlSeconds (default 7200 s) or until a given expiresAt', async () => {
    const tokens = [
      { access_token: 'short', ttlSeconds: 60 },
      { access_token: 'default-ttl' },
      { access_token: 'until', expiresAt: T0 + 10_000 },
    ];
    await request(m.listener).post('/__mock/state').send({ 'platform-sync': { tokens } }).expect(201);
    const alive = async () => {
      const live: string[] = [];
      for (const t of tokens)
        if ((await post('/v1/abutment/syncSaveOrganMetadata', school(t.access_token))).body.status === 200)
          live.push(t.access_token);
      return live;
    };
    expect(await alive()).toEqual(['short', 'default-ttl', 'until']);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 10 });
    expect(await alive()).toEqual(['short', 'default-ttl']);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 50 });
    expect(await alive()).toEqual(['default-ttl']);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 7140 });
    expect(await alive()).toEqual([]);
  });

  test('expire-token also expires a token presented for renewal (then 40001), and leaves an unknown token refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-ps-'));
    writeFileSync(
      join(dir, 'renewal-expired.yaml'),
      'name: renewal-expired\ndescription: d\nrules:\n  - when: { operationId: channelToken }\n    then: { effect: expire-token }\n',
    );
    const mock = await testMock({ scenarioDirs: [defaultScenariosDir(), dir] });
    const t = (
      await request(mock.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' })
    ).body.data.access_token as string;
    expect(
      (
        await request(mock.listener)
          .post('/v1/channel/token')
          .set('X-Mock-Scenario', 'renewal-expired')
          .send({ access_token: t })
      ).body.code,
    ).toBe('40001');
    expect((await request(mock.listener).post('/v1/abutment/syncSaveOrganMetadata').send(school(t))).body.status).toBe(
      403,
    );
    const unknown = await request(mock.listener)
      .post('/v1/abutment/syncSaveOrganMetadata')
      .set('X-Mock-Scenario', 'token-expired')
      .send(school('no-such-token'));
    expect([unknown.status, unknown.body.status]).toEqual([200, 403]);
    mock.close();
  });

  test('apps added through /__mock/state can get tokens', async () => {
    await request(m.listener)
      .post('/__mock/state')
      .send({ 'platform-sync': { apps: [{ appid: 'school-erp', secret: 's3cret' }] } })
      .expect(201);
    const res = await post('/v1/channel/token', { appid: 'school-erp', secret: 's3cret' });
    expect(res.body.status).toBe(200);
  });
});

describe('schools, classes and users (2.1-2.6)', () => {
  test('the full flow: save school, class, user; delete the user; deleting again answers 40430', async () => {
    const t = await token();
    const s = await post('/v1/abutment/syncSaveOrganMetadata', school(t));
    expect(s.body).toEqual({ status: 200, message: 'success', data: school(t) });
    const c = await post('/v1/abutment/syncSaveClassMetadata', klass(t));
    expect(c.body.data).toEqual(klass(t));
    const u = await post('/v1/abutment/syncSaveUserMetadata', {
      access_token: t,
      uid: 132,
      username: '因尚学生张小冰',
      type: 1,
      sex: 1,
      otherSchoolId: 100,
      otherClassId: 132,
    });
    expect(u.body.data).toMatchObject({ uid: 132, username: '因尚学生张小冰', type: 1 });
    expect((await post('/v1/abutment/syncDeleteUserMetadata/132', { access_token: t })).body).toEqual({
      status: 200,
      message: 'Delete success',
    });
    expect((await post('/v1/abutment/syncDeleteUserMetadata/132', { access_token: t })).body).toEqual({
      status: 403,
      message: 'Forbidden',
      code: '40430',
    });
  });

  test('a trailing slash reaches the documented path; a path parameter arrives percent-decoded, and one that cannot be decoded is taken as sent', async () => {
    const t = await token();
    expect((await post('/v1/abutment/syncSaveOrganMetadata/', school(t, 100))).body.status).toBe(200);
    expect((await post('/v1/abutment/syncDeleteOrganMetadata/%31%30%30', { access_token: t })).body).toEqual({
      status: 200,
      message: 'Delete success',
    });
    expect((await post('/v1/abutment/syncDeleteOrganMetadata/100/', { access_token: t })).body.code).toBe('40410');
    const undecodable = await post('/v1/abutment/syncDeleteOrganMetadata/%E0%A4%A', { access_token: t });
    expect(undecodable.body).toEqual({ status: 402, message: '参数错误' });
    expect(m.calls.at(-1)!.violations.map((v) => v.message)).toEqual(['must be a decimal integer, got "%E0%A4%A"']);
  });

  test('saves are upserts keyed by otherId / uid; a user without event keeps fields it does not resend and defaults type to 2', async () => {
    const t = await token();
    await post('/v1/abutment/syncSaveOrganMetadata', school(t));
    await post('/v1/abutment/syncSaveOrganMetadata', { ...school(t), organName: '深圳南山中学' });
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.apis['platform-sync'].schools).toHaveLength(1);
    expect(state.body.apis['platform-sync'].schools[0].organName).toBe('深圳南山中学');
    const created = await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 7, username: '李雷' });
    expect(created.body.data.type).toBe(2);
    const updated = await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 7, sex: 0 });
    expect(updated.body.data).toMatchObject({ uid: 7, username: '李雷', sex: 0, type: 2 });
  });

  test('a class naming a missing school answers 40410; a user naming a missing school or class answers 40410 / 40420', async () => {
    const t = await token();
    expect((await post('/v1/abutment/syncSaveClassMetadata', klass(t, 1, 999))).body.code).toBe('40410');
    expect(
      (await post('/v1/abutment/syncSaveUserMetadata', { access_token: t, uid: 1, otherSchoolId: 999 })).body.code,
    ).toBe('40410');
    await post('/v1/abutment/syncSaveOrganMetadata', school(t));
    expect(
      (
        await post('/v1/abutment/syncSaveUserMetadata', {
          access_token: t,
          uid: 1,
          otherSchoolId: 100,
          otherClassId: 999,
        })
      ).body.code,
    ).toBe('40420');
  });

  test('deleting a missing school or class answers 40410 / 40420; deleting an existing one succeeds once', async () => {
    const t = await token();
    expect((await post('/v1/abutment/syncDeleteOrganMetadata/5', { access_token: t })).body.code).toBe('40410');
    expect((await post('/v1/abutment/syncDeleteClassMetadata/5', { access_token: t })).body.code).toBe('40420');
    await post('/v1/abutment/syncSaveOrganMetadata', school(t, 5));
    expect((await post('/v1/abutment/syncDeleteOrganMetadata/5', { access_token: t })).body).toEqual({
      status: 200,
      message: 'Delete success',
    });
    expect((await post('/v1/abutment/syncDeleteOrganMetadata/5', { access_token: t })).body.code).toBe('40410');
  });

  test('a request that breaks the contract answers status 402 with X-Mock-Violations', async () => {
    const t = await token();
    const res = await post('/v1/abutment/syncSaveOrganMetadata', { ...school(t), organKind: 6 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    expect(JSON.parse(res.headers['x-mock-violations'] as string)).toEqual([
      { pointer: '/body/organKind', message: 'must be one of [1,2,3,4,5]' },
    ]);
    const path = await post('/v1/abutment/syncDeleteOrganMetadata/abc', { access_token: t });
    expect(path.body.status).toBe(402);
    expect(path.headers['x-mock-violations']).toContain('/path/otherId');
  });
});

describe("the document's curl examples, replayed as written (host replaced)", () => {
  // Each says: curl -X GET -H "Content-Type:application/json" -d <url>: a GET with no body on a POST operation.
  test.each([
    '/v1/channel/token',
    '/v1/abutment/syncSaveOrganMetadata',
    '/v1/abutment/syncDeleteOrganMetadata/132',
    '/v1/abutment/syncSaveClassMetadata',
    '/v1/abutment/syncDeleteClassMetadata/132',
    '/v1/abutment/syncSaveUserMetadata',
    '/v1/abutment/syncDeleteUserMetadata/132',
  ])('GET %s answers 40004 不合法请求 and says which method is documented', async (path) => {
    const res = await request(m.listener).get(path).set('Content-Type', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 403, message: 'Forbidden', code: '40004' });
    expect(m.calls.at(-1)!.violations[0]!.message).toContain('documented: POST');
  });
});

describe('bounded tokens', () => {
  test('an app keeps its 100 newest tokens per session; the oldest then answer 403 like an expired one', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 101; i++) tokens.push(await token('many'));
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(tokens[0]!), 'many')).body.status).toBe(403);
    expect((await post('/v1/abutment/syncSaveOrganMetadata', school(tokens[1]!), 'many')).body.status).toBe(200);
    expect(
      (await request(m.listener).get('/__mock/state').set('X-Mock-Session', 'many')).body.apis['platform-sync'].tokens,
    ).toHaveLength(100);
  });
});
