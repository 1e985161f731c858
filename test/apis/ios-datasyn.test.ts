/** ios-datasyn: register, login with synFlage from the device state machine, ignore, synmetas, syntabledata, trackdatas. Always HTTP 200. */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { responseViolations, testMock, T0 } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});
afterEach(() => {
  expect(responseViolations(m.calls)).toEqual([]);
});

const form = (path: string, body: Record<string, unknown>) =>
  request(m.listener)
    .post(`/datasyn${path}`)
    .type('form')
    .send(
      Object.fromEntries(
        Object.entries(body).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      ),
    );

const profile = {
  loginName: 'zhangsan',
  password: '123456',
  realName: '张三',
  sex: 1,
  school: '武汉一中',
  grade: '3班',
  classNum: 3,
  englishscore: 120,
};
const ALL = ['user', 'Usercard', 'Userlearningstyle', 'usertestcount', 'userresource', 'usertest', 'userword'];
const meta = (versions: Record<string, number> = {}) => ({
  tablemeta: ALL.map((t) => ({ synId: 1, synTable: t, userId: 111, version: versions[t] ?? 0, lastModTime: null })),
});

async function register(): Promise<number> {
  return (await form('/user/register', profile)).body.data.userId as number;
}
async function login(device: string): Promise<{ token: string; synFlage: number; message: string }> {
  const res = await form('/user/login', { loginName: 'zhangsan', password: '123456', synDevice: device });
  expect(res.body.meta).toEqual({ status: 1, message: 'success' });
  return res.body.data;
}
const sync = (
  token: string,
  userId: number,
  upload: Record<string, unknown[]> = { usertest: [] },
  down: string[] = [],
) =>
  form('/syn/syntabledata', {
    token,
    json: {
      downSynTable: down.map((synTable) => ({ synTable })),
      tableData: Object.fromEntries(
        Object.entries(upload).map(([k, rows]) => [k, rows.map((r) => ({ userId, ...(r as object) }))]),
      ),
    },
  });

describe('register and login', () => {
  test('register answers the new userId; the same loginName again answers 2000 用户已存在', async () => {
    expect((await form('/user/register', profile)).body).toEqual({
      meta: { status: 1, message: 'success' },
      data: { userId: 1 },
    });
    expect((await form('/user/register', profile)).body).toEqual({
      meta: { status: 2000, message: '用户已存在' },
      data: null,
    });
  });

  test('register with bad parameters answers 3 参数有误!', async () => {
    const res = await form('/user/register', { ...profile, classNum: 7 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ meta: { status: 3, message: '参数有误!' }, data: null });
  });

  test('login answers a token userId:millis; a wrong password or missing parameter answers 2001', async () => {
    const userId = await register();
    const data = await login('iphone-1');
    expect(data.token).toBe(`${userId}:${T0}`);
    expect(data).toMatchObject({ synFlage: 1, message: '同步成功' });
    expect((await form('/user/login', { loginName: 'zhangsan', password: 'wrong', synDevice: 'x' })).body.meta).toEqual(
      { status: 2001, message: '参数有误!' },
    );
    expect((await form('/user/login', { loginName: 'zhangsan' })).body.meta.status).toBe(2001);
  });
});

describe('synFlage: every flag reachable by a real sequence of calls', () => {
  test('1: first login', async () => {
    await register();
    expect((await login('A')).synFlage).toBe(1);
  });
  test('2: login on A without syncing, then on B', async () => {
    await register();
    await login('A');
    expect(await login('B')).toMatchObject({ synFlage: 2, message: '有可能有数据遗留在上次操作的设备上' });
  });
  test('3: a sync on A fails (3000), then login on B', async () => {
    const userId = await register();
    const { token } = await login('A');
    const failed = await sync(token, userId + 1, { usertest: [{ userTestId: 1 }] });
    expect(failed.body).toEqual({ meta: { status: 3000, message: '数据同步失败, token值有误' }, data: null });
    expect(await login('B')).toMatchObject({ synFlage: 3, message: '在上次登录操作的设备上数据同步失败' });
  });
  test('4: login on A, login on B and sync there, back on A', async () => {
    const userId = await register();
    await login('A');
    const b = await login('B');
    expect((await sync(b.token, userId)).body.meta.status).toBe(1);
    expect(await login('A')).toMatchObject({ synFlage: 4, message: '有可能有数据遗留在当前的设备上' });
  });
  test('5: a sync on A fails, then login on A again', async () => {
    const userId = await register();
    const { token } = await login('A');
    await sync(token, userId + 1, { usertest: [{ userTestId: 1 }] });
    expect(await login('A')).toMatchObject({ synFlage: 5, message: '上次在当前设备上数据同步失败' });
  });
  test('a successful sync, and ignore, clear the warnings', async () => {
    const userId = await register();
    const a = await login('A');
    await sync(a.token, userId);
    expect((await login('B')).synFlage).toBe(1);
    const b2 = await login('A');
    expect(b2.synFlage).toBe(2);
    expect((await form('/syn/ignore', { token: b2.token, synDevice: 'A' })).body).toEqual({
      meta: { status: 1, message: 'success' },
      data: null,
    });
    expect((await login('B')).synFlage).toBe(1);
  });
});

describe('sync', () => {
  test("synmetas answers every table the server holds a newer version of (the document's exchange), and tables the client has newer", async () => {
    const userId = await register();
    const { token } = await login('A');
    // A new user: the server holds the user's own row (version 1); the rest are empty (version 0).
    let res = await form('/syn/synmetas', { token, json: meta() });
    expect(res.body.data).toEqual({ synTableCount: 1, upsyntable: [], downsyntable: [{ synTable: 'user' }] });
    await sync(token, userId, {
      usertest: [{ userTestId: 1, word: 'apple' }],
      Usercard: [{ userCardId: 1, cardclick1: 1 }],
    });
    res = await form('/syn/synmetas', {
      token,
      json: {
        tablemeta: [
          { synTable: 'USER', version: 1, lastModTime: null },
          { synTable: 'userword', version: 4, lastModTime: 1489653263479 },
        ],
      },
    });
    expect(res.body.data).toEqual({
      synTableCount: 3,
      upsyntable: [{ synTable: 'userword' }],
      downsyntable: [{ synTable: 'Usercard' }, { synTable: 'usertest' }],
    });
  });

  test('syntabledata stores rows (table keys case-insensitive), bumps versions and lastModTime, answers the requested tables and all seven tableMeta', async () => {
    const userId = await register();
    const { token } = await login('A');
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 60 });
    const rows = [
      {
        userTestId: 1,
        answertimes: 3,
        righttimes: 2,
        testinTime: '2017-03-25 15:58:23',
        testoutTime: '2017-03-25 17:18:07',
        testtype: 1,
        wrongtimes: 1,
        word: 'apple',
      },
      {
        userTestId: 1,
        answertimes: 4,
        righttimes: 6,
        testinTime: '2017-03-25 15:58:23',
        testoutTime: '2017-03-25 17:18:07',
        testtype: 1,
        wrongtimes: 1,
        word: 'banana',
      },
    ];
    const res = await sync(token, userId, { USERTEST: rows }, ['usertest', 'USER']);
    expect(res.body.meta).toEqual({ status: 1, message: 'success' });
    expect(res.body.data.tableData.usertest).toEqual(rows.map((r) => ({ userId, ...r })));
    expect(res.body.data.tableData.user).toEqual([
      expect.objectContaining({ userId, loginName: 'zhangsan', realName: '张三' }),
    ]);
    const metas = res.body.data.tableMeta as Array<{
      synTable: string;
      version: number;
      lastModTime: number;
      userId: number;
    }>;
    expect(metas.map((t) => t.synTable)).toEqual([
      'user',
      'Usercard',
      'Userlearningstyle',
      'usertestcount',
      'userresource',
      'userword',
      'usertest',
    ]);
    expect(metas.find((t) => t.synTable === 'usertest')).toMatchObject({
      version: 1,
      lastModTime: T0 + 60_000,
      userId,
    });
    expect(metas.find((t) => t.synTable === 'Usercard')).toMatchObject({ version: 0, lastModTime: T0 });
    // A second device sees the new version.
    const b = await login('B');
    const seen = await form('/syn/synmetas', { token: b.token, json: meta({ user: 1 }) });
    expect(seen.body.data.downsyntable).toEqual([{ synTable: 'usertest' }]);
  });

  test('trackdatas stores userBehaviour / userLogin (keys case-insensitive)', async () => {
    await register();
    const { token } = await login('A');
    const trackData = {
      USERBEHAVIOUR: [{ userBehaviourId: 1, userId: 24, dowhat: '打豆豆', dowhen: '2017-03-25 02:36:23', dowhere: 5 }],
      userlogin: [
        {
          userLoginId: 1,
          userId: 24,
          loginState: 3,
          loginTime: '2017-03-25 02:36:23',
          logoutTime: '2017-03-26 03:32:23',
        },
      ],
    };
    expect((await form('/syn/trackdatas', { token, json: { trackData } })).body).toEqual({
      meta: { status: 1, message: 'success' },
      data: null,
    });
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.apis['ios-datasyn'].tracks).toEqual([
      { userBehaviour: trackData.USERBEHAVIOUR, userLogin: trackData.userlogin },
    ]);
  });

  test.each(['/syn/ignore', '/syn/synmetas', '/syn/syntabledata', '/syn/trackdatas'])(
    '%s with an unknown token answers 4 token值无效',
    async (path) => {
      const json =
        path === '/syn/synmetas'
          ? meta()
          : path === '/syn/syntabledata'
            ? { downSynTable: [], tableData: {} }
            : { trackData: {} };
      const body = path === '/syn/ignore' ? { token: '9:1', synDevice: 'A' } : { token: '9:1', json };
      expect((await form(path, body)).body).toEqual({ meta: { status: 4, message: 'token值无效' }, data: null });
    },
  );

  test.each([
    ['not JSON', '{"tablemeta":['],
    ['the wrong shape', JSON.stringify({ tablemeta: 'all' })],
    ['a mistyped version', JSON.stringify({ tablemeta: [{ synTable: 'user', version: 'new', lastModTime: null }] })],
  ])('a json field that is %s answers 5 json数据格式或者数据类型有误!', async (_n, json) => {
    await register();
    const { token } = await login('A');
    const res = await request(m.listener).post('/datasyn/syn/synmetas').type('form').send({ token, json });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ meta: { status: 5, message: 'json数据格式或者数据类型有误!' }, data: null });
    expect(res.headers['x-mock-violations']).toContain('/body/json');
  });
});
