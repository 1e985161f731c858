/** Sessions, the per-session clock, reset, state and CORS: the admin API of DESIGN.md. */
import request from 'supertest';
import { beforeEach, describe, expect, test } from 'vitest';
import { testMock, T0 } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});

const token = (session: string) =>
  request(m.listener)
    .post('/v1/channel/token')
    .set('X-Mock-Session', session)
    .send({ appid: 'demo-app', secret: 'demo-secret' });
const saveSchool = (session: string, t: string, otherId: number) =>
  request(m.listener).post('/v1/abutment/syncSaveOrganMetadata').set('X-Mock-Session', session).send({
    access_token: t,
    organName: '武汉一中',
    organKind: 3,
    provinceName: '湖北省',
    cityName: '武汉市',
    areaName: '武昌区',
    otherId,
  });
const state = (session: string) => request(m.listener).get('/__mock/state').set('X-Mock-Session', session);

describe('sessions', () => {
  test('state, tokens and clocks of two sessions never mix', async () => {
    const a = (await token('a')).body.data.access_token;
    const b = (await token('b')).body.data.access_token;
    await saveSchool('a', a, 1);
    // b's token is unknown in a, and the other way round.
    expect((await saveSchool('a', b, 2)).body.status).toBe(403);
    expect((await saveSchool('b', a, 2)).body.status).toBe(403);
    expect((await state('a')).body.apis['platform-sync'].schools).toHaveLength(1);
    expect((await state('b')).body.apis['platform-sync'].schools).toEqual([]);
    await request(m.listener).post('/__mock/clock').set('X-Mock-Session', 'a').send({ advanceSeconds: 7200 });
    expect((await saveSchool('a', a, 3)).body.status).toBe(403);
    expect((await saveSchool('b', b, 3)).body.status).toBe(200);
  });

  test('no header means session "default"', async () => {
    const t = (await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' }))
      .body.data.access_token;
    expect((await saveSchool('default', t, 1)).body.status).toBe(200);
    expect(m.calls.every((c) => c.session === 'default')).toBe(true);
  });

  test('two thousand sessions, interleaved and concurrent, each see only their own writes', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `s-${i}`);
    await Promise.all(
      ids.map((id) =>
        request(m.listener)
          .post('/__mock/state')
          .set('X-Mock-Session', id)
          .send({ 'wx-push': { projects: [{ id: 1, url: `http://${id}`, project: id }] } }),
      ),
    );
    const lists = await Promise.all(
      ids.slice(0, 50).map((id) => request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Session', id)),
    );
    lists.forEach((res, i) =>
      expect(res.body.data).toEqual([{ id: 1, url: `http://s-${i}`, project: `s-${i}`, statu: 0 }]),
    );
    expect((await m.store.sessionIds()).length).toBeGreaterThanOrEqual(2000);
  }, 60_000);
});

describe('clock, reset, state', () => {
  test('POST /__mock/clock advances only this session and answers the new time', async () => {
    const res = await request(m.listener).post('/__mock/clock').set('X-Mock-Session', 'c').send({ advanceSeconds: 90 });
    expect(res.body).toEqual({ session: 'c', now: T0 + 90_000, formatted: '2018-07-18 15:10:13' });
    expect((await state('c')).body.clock.offsetSeconds).toBe(90);
    expect((await state('d')).body.clock.offsetSeconds).toBe(0);
  });

  test.each([[{}], [{ advanceSeconds: -5 }], [{ advanceSeconds: 'soon' }]])(
    'a bad clock request %j is a problem+json 400 that says what to send',
    async (body) => {
      const res = await request(m.listener).post('/__mock/clock').send(body);
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/problem+json');
      expect(res.body.detail).toContain('advanceSeconds');
    },
  );

  test('reset returns the session to the seed: records, tokens and clock', async () => {
    const t = (await token('r')).body.data.access_token;
    await saveSchool('r', t, 1);
    await request(m.listener).post('/__mock/clock').set('X-Mock-Session', 'r').send({ advanceSeconds: 60 });
    await request(m.listener).post('/__mock/reset').set('X-Mock-Session', 'r').expect(200);
    const s = (await state('r')).body;
    expect(s.apis['platform-sync'].schools).toEqual([]);
    expect(s.apis['platform-sync'].tokens).toEqual([]);
    expect(s.apis['platform-sync'].apps).toEqual([{ appid: 'demo-app', secret: 'demo-secret' }]);
    expect(s.clock.offsetSeconds).toBe(0);
  });

  test('state shows tokens with the seconds they have left', async () => {
    await token('t');
    await request(m.listener).post('/__mock/clock').set('X-Mock-Session', 't').send({ advanceSeconds: 200 });
    const tokens = (await state('t')).body.apis['platform-sync'].tokens;
    expect(tokens[0].secondsLeft).toBe(7000);
  });

  test.each([
    [[1, 2], 'JSON object keyed by API name'],
    [{ nope: {} }, '"nope" is not an API'],
    [{ 'platform-sync': { planets: [] } }, 'has no collection "planets"'],
    [{ 'platform-sync': { apps: {} } }, 'must be an array'],
    [{ 'platform-sync': { apps: [{ secret: 'x' }] } }, 'needs its key field "appid"'],
    // Records the handlers would misread: checked against the spec's own schema of the collection.
    [
      { 'platform-sync': { apps: [{ appid: 1 }] } },
      'platform-sync.apps[0] needs the field "secret"; platform-sync.apps[0].appid must be string, got 1 (the record is checked against components.schemas.GetTokenRequest of the platform-sync spec)',
    ],
    [
      {
        'platform-sync': {
          schools: [{ otherId: 5, organName: 'x', organKind: 6, provinceName: 'a', cityName: 'b', areaName: 'c' }],
        },
      },
      'platform-sync.schools[0].organKind must be one of 1, 2, 3, 4, 5, got 6',
    ],
    [
      { 'wuhan-eduyun': { orgs: [{ org_id: 'o', status: '9' }] } },
      'wuhan-eduyun.orgs[0].status must be one of "0", "1", "2", "3", got "9"',
    ],
    [
      { 'wx-push': { projects: [{ id: 1, url: 'http://x', project: 'p', statu: 3 }] } },
      'wx-push.projects[0].statu must be one of 0, 1, got 3',
    ],
    [
      { 'ios-datasyn': { users: [{ loginName: 'a', password: 'p', sex: 'male' }] } },
      'ios-datasyn.users[0].sex must be integer, got "male"',
    ],
  ])(
    'POST /__mock/state %j is refused with a detail that says what to fix, and writes nothing',
    async (body, detail) => {
      const res = await request(m.listener)
        .post('/__mock/state')
        .send(body as object);
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/problem+json');
      expect(res.body.detail).toContain(detail);
    },
  );

  test('a state request that is partly bad writes nothing', async () => {
    const res = await request(m.listener)
      .post('/__mock/state')
      .send({ 'platform-sync': { apps: [{ appid: 'ok', secret: 's' }, { secret: 'no key' }] } });
    expect(res.status).toBe(400);
    expect((await state('default')).body.apis['platform-sync'].apps).toHaveLength(1);
  });

  test('malformed JSON to the admin API is a problem+json 400, an unknown admin route a problem+json 404', async () => {
    const bad = await request(m.listener).post('/__mock/state').set('Content-Type', 'application/json').send('{oops');
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('application/problem+json');
    const unknown = await request(m.listener).get('/__mock/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('GET /__mock/nothing is not an admin route');
    // It names what ships (the README), never a document outside the package.
    expect(unknown.body.detail).not.toContain('DESIGN');
    expect(unknown.body.detail).toContain('POST clock, reset, state, verify');
  });

  test('health lists the four APIs and their operations', async () => {
    const res = await request(m.listener).get('/__mock/health');
    expect(res.body.status).toBe('ok');
    expect(res.body.apis.map((a: { name: string }) => a.name).sort()).toEqual([
      'ios-datasyn',
      'platform-sync',
      'wuhan-eduyun',
      'wx-push',
    ]);
    expect(res.body.apis.flatMap((a: { operations: string[] }) => a.operations)).toHaveLength(19);
  });
});

describe('CORS', () => {
  test('a preflight from a dev server is allowed, with the headers it asks for', async () => {
    const res = await request(m.listener)
      .options('/v1/channel/token')
      .set('Origin', 'http://localhost:5173')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type, x-mock-session');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, x-mock-session');
    expect(m.calls).toHaveLength(0);
  });

  test('responses carry the origin and expose X-Mock-Violations', async () => {
    const res = await request(m.listener).post('/v1/channel/token').set('Origin', 'http://localhost:5173').send({});
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-expose-headers']).toContain('X-Mock-Violations');
  });
});
