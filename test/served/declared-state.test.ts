/**
 * A served document whose behaviour is declared in `x-mock-state` (issue 27, "State declared in the document"):
 * tokens issued, renewed and expired on the mock clock, upserts with a reference, a read by query and a delete by
 * path, all in the document's own envelope and codes; scenarios, `given` seeding, the journal's code column and
 * plug-in handlers reach it through its module. A declaration naming what is not declared starts with a warning.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { servedMock } from '../helpers/served.js';
import { T0 } from '../helpers/mock.js';

const CLUBS = join(import.meta.dirname, 'fixtures', 'declared.openapi.yaml');
const TOKEN = '/clubs/v1/token';

type Served = Awaited<ReturnType<typeof servedMock>>;
const post = (m: Served, path: string, body: object, session = 'default') =>
  request(m.listener).post(path).set('X-Mock-Session', session).send(body);

async function tokenOf(m: Served, session = 'default'): Promise<string> {
  const res = await post(m, TOKEN, { appid: 'club-app', secret: 'club-secret' }, session);
  return res.body.body.token as string;
}

describe('tokens', () => {
  test('issue answers the template with a token of the declared length, live for the declared ttl', async () => {
    const m = await servedMock([CLUBS]);
    const res = await post(m, TOKEN, { appid: 'club-app', secret: 'club-secret' });
    expect(res.body).toMatchObject({ rc: 0, msg: 'success', body: { ttl: 600, expire: '2018-07-18 15:18:43' } });
    expect(res.body.body.token).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(m.calls.at(-1)).toMatchObject({ operationId: 'clubToken', response: { code: '0' }, violations: [] });
    const t = res.body.body.token as string;
    expect((await post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c1', name: '围棋社' })).body.rc).toBe(0);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 600 });
    expect((await post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c1', name: '围棋社' })).body).toEqual({
      rc: 401,
      msg: '令牌无效',
      body: null,
    });
  });

  test('wrong secret or unknown app answer the declared invalid code; no token answers the auth code', async () => {
    const m = await servedMock([CLUBS]);
    expect((await post(m, TOKEN, { appid: 'club-app', secret: 'nope' })).body.rc).toBe(403);
    expect((await post(m, TOKEN, { appid: 'other', secret: 'club-secret' })).body.rc).toBe(403);
    expect((await post(m, '/clubs/v1/clubs/save', { token: 'x', clubId: 'c1', name: 'n' })).body.rc).toBe(401);
  });

  test('renewal keeps the token and extends it by its ttl from now; an expired token cannot be renewed', async () => {
    const m = await servedMock([CLUBS]);
    const t = await tokenOf(m);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 500 });
    const renewed = await post(m, TOKEN, { token: t });
    expect(renewed.body.body).toEqual({ token: t, ttl: 3600, expire: '2018-07-18 16:17:03' });
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 3600 });
    expect((await post(m, TOKEN, { token: t })).body.rc).toBe(403);
  });

  test('keep: beyond the declared number of live tokens per app, the oldest stops working', async () => {
    const m = await servedMock([CLUBS]);
    const [a, b, c] = [await tokenOf(m), await tokenOf(m), await tokenOf(m)];
    const save = (t: string) => post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c1', name: 'n' });
    expect([(await save(a)).body.rc, (await save(b)).body.rc, (await save(c)).body.rc]).toEqual([401, 0, 0]);
  });
});

describe('records', () => {
  test('an upsert checks its reference, starts from defaults, keeps unsent fields (merge) and stores no token', async () => {
    const m = await servedMock([CLUBS]);
    const t = await tokenOf(m);
    const member = (body: object) => post(m, '/clubs/v1/members/save', { token: t, memberId: 'm1', ...body });
    expect((await member({ clubId: 'c9' })).body).toEqual({ rc: 4041, msg: '社团不存在', body: null });
    await post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c9', name: '篮球社' });
    expect((await member({ clubId: 'c9', name: '李雷' })).body.body).toEqual({
      role: 'member',
      memberId: 'm1',
      clubId: 'c9',
      name: '李雷',
    });
    expect((await member({ role: 'captain' })).body.body).toEqual({
      role: 'captain',
      memberId: 'm1',
      clubId: 'c9',
      name: '李雷',
    });
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.apis.clubs.clubs).toEqual([{ clubId: 'c9', name: '篮球社' }]);
  });

  test('a read by query answers the chosen fields; a delete by path answers its message, then the missing code', async () => {
    const m = await servedMock([CLUBS]);
    const t = await tokenOf(m);
    await post(m, '/clubs/v1/members/save', { token: t, memberId: 'm2', name: '韩梅梅' });
    const read = await request(m.listener).get('/clubs/v1/members/get').query({ token: t, memberId: 'm2' });
    expect(read.body).toEqual({ rc: 0, msg: 'ok', body: { memberId: 'm2', name: '韩梅梅', role: 'member' } });
    expect((await post(m, '/clubs/v1/members/delete/m2', { token: t })).body).toEqual({ rc: 0, msg: '删除成功' });
    expect((await post(m, '/clubs/v1/members/delete/m2', { token: t })).body.rc).toBe(4042);
    const gone = await request(m.listener).get('/clubs/v1/members/get').query({ token: t, memberId: 'm2' });
    expect(gone.body).toEqual({ rc: 4042, msg: '成员已删除或不存在', body: null });
    expect(m.calls.at(-1)!.response.code).toBe('4042');
  });

  test('sessions do not see each other', async () => {
    const m = await servedMock([CLUBS]);
    const t = await tokenOf(m, 'a');
    expect((await post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c1', name: 'n' }, 'b')).body.rc).toBe(401);
  });
});

describe('through the module: seeding, scenarios, plug-ins', () => {
  test('POST /__mock/state seeds declared collections (tokens get the collection ttl or ttlSeconds)', async () => {
    const m = await servedMock([CLUBS]);
    await request(m.listener)
      .post('/__mock/state')
      .send({
        clubs: { tokens: [{ token: 'seeded', ttlSeconds: 60 }], clubs: [{ token: 'x', clubId: 'c5', name: '棋社' }] },
      })
      .expect(201);
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.apis.clubs.tokens[0]).toMatchObject({
      token: 'seeded',
      appid: 'club-app',
      expiresAt: T0 + 60_000,
    });
    const save = () => post(m, '/clubs/v1/members/save', { token: 'seeded', memberId: 'm5', clubId: 'c5' });
    expect((await save()).body.rc).toBe(0);
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 60 });
    expect((await save()).body.rc).toBe(401);
    const bad = await request(m.listener)
      .post('/__mock/state')
      .send({ clubs: { teams: [{}] } });
    expect([bad.status, bad.body.detail]).toEqual([400, expect.stringContaining('clubs has no collection "teams"')]);
  });

  test("a scenario's error code, its expire-token effect and its given seed work on declared operations", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-declared-'));
    writeFileSync(
      join(dir, 'club-gone.yaml'),
      'name: club-gone\ndescription: d\nrules:\n  - when: { operationId: saveMember }\n    then: { error: "4041" }\n',
    );
    writeFileSync(
      join(dir, 'club-token-expired.yaml'),
      'name: club-token-expired\ndescription: d\nrules:\n  - when: { api: clubs }\n    then: { effect: expire-token }\n',
    );
    writeFileSync(
      join(dir, 'club-given.yaml'),
      'name: club-given\ndescription: d\ngiven:\n  clubs:\n    tokens: [{ token: given-token }]\nrules:\n  - when: { operationId: getMember }\n    then: { pass: true }\n',
    );
    const m = await servedMock([CLUBS], { scenarioDirs: [dir] });
    const t = await tokenOf(m);
    const gone = await request(m.listener)
      .post('/clubs/v1/members/save')
      .set('X-Mock-Scenario', 'club-gone')
      .send({ token: t, memberId: 'm1' });
    expect([gone.body.rc, m.calls.at(-1)!.response.code]).toEqual([4041, '4041']);
    const expired = await request(m.listener)
      .post('/clubs/v1/clubs/save')
      .set('X-Mock-Scenario', 'club-token-expired')
      .send({ token: t, clubId: 'c1', name: 'n' });
    expect(expired.body.rc).toBe(401);
    // The effect expired the token in state: the next call without the scenario is refused too, renewal as well.
    expect((await post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c1', name: 'n' })).body.rc).toBe(401);
    await request(m.listener).post('/__mock/scenarios/active').send({ name: 'club-given' }).expect(201);
    expect((await post(m, '/clubs/v1/clubs/save', { token: 'given-token', clubId: 'c1', name: 'n' })).body.rc).toBe(0);
  });

  test('a plug-in handler goes over the declared one for its operationId; the others stay declared', async () => {
    const m = await servedMock([CLUBS], {
      handlers: { getMember: async (ctx) => ctx.dialect.success(ctx.op, { data: { plugged: true } }) },
    });
    const t = await tokenOf(m);
    const read = await request(m.listener).get('/clubs/v1/members/get').query({ token: t, memberId: 'none' });
    expect(read.body.body).toEqual({ plugged: true });
    expect((await post(m, '/clubs/v1/members/delete/none', { token: t })).body.rc).toBe(4042);
  });
});

test('a declaration naming an undeclared collection starts with a warning; that operation answers its example', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-declared-'));
  const file = join(dir, 'broken.openapi.yaml');
  writeFileSync(
    file,
    readFileSync(CLUBS, 'utf8').replace(
      'action: upsert, collection: clubs, key: body.clubId',
      'action: upsert, collection: teams, key: body.clubId',
    ),
  );
  const logs: string[] = [];
  const m = await servedMock([file], { log: (line) => logs.push(line) });
  expect(logs.join('\n')).toContain('saveClub answers its example');
  expect(logs.join('\n')).toContain('collection "teams" is not declared in x-mock-state.collections');
  const t = await tokenOf(m);
  const res = await post(m, '/clubs/v1/clubs/save', { token: t, clubId: 'c1', name: 'n' });
  expect([res.status, typeof res.body.rc]).toEqual([200, 'number']);
  expect(m.calls.at(-1)!.violations).toEqual([]);
  expect((await post(m, '/clubs/v1/members/save', { token: t, memberId: 'm1' })).body.rc).toBe(0);
});

test('declarations in a document without x-dialect are left out with a warning: it keeps its problem+json answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-declared-'));
  const file = join(dir, 'plain.openapi.yaml');
  const text = readFileSync(CLUBS, 'utf8');
  writeFileSync(file, text.slice(0, text.indexOf('x-dialect:')) + text.slice(text.indexOf('x-messages:')));
  const logs: string[] = [];
  const m = await servedMock([file], { log: (line) => logs.push(line) });
  expect(logs.join('\n')).toContain("x-mock-state declarations need the document's x-dialect and x-error-catalog");
  const res = await post(m, '/clubs/v1/clubs/save', { token: 'never-issued', clubId: 'c1', name: 'n' });
  expect([res.status, m.calls.at(-1)!.operationId]).toEqual([200, 'saveClub']);
});
