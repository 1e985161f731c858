/**
 * Issue 27's proof, in process: a fifth API nobody wrote handlers for (examples/timetable.openapi.yaml) is served
 * from its document alone. Its QA flow (token, saves, reads, list, deletes, the missing and duplicate codes),
 * scenarios per request and per session, the mock clock expiring its tokens, `Prefer: code=`, the journal's code
 * column and `--http-status mapped` all answer in its own `{errcode, errmsg, payload}` envelope.
 * The CLI side (serve --spec, verify, report, --redis) is fifth-api-cli.test.ts.
 */
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { defaultScenariosDir } from '../../src/scenarios/load-scenarios.js';
import { servedMock } from '../helpers/served.js';

const TIMETABLE = join(packageRoot(), 'examples', 'timetable.openapi.yaml');
const SCENARIOS = join(packageRoot(), 'examples', 'timetable-scenarios');
const SCHOOL = { schoolCode: 'TT-SCH-001', schoolSecret: 'tt-demo-secret' };
const TEACHER = { teacherNo: 'T-001', teacherName: '王老师', subject: '数学' };
const ROOM = { roomCode: 'R-101', roomName: '一号楼101', capacity: 45 };
const LESSON = { lessonId: 'L-1', title: '数学', teacherNo: 'T-001', roomCode: 'R-101', weekday: 1, period: 2 };

type Served = Awaited<ReturnType<typeof servedMock>>;

const mock = (options: Parameters<typeof servedMock>[1] = {}): Promise<Served> =>
  servedMock([TIMETABLE], { scenarioDirs: [defaultScenariosDir(), SCENARIOS], ...options });

/** The fifth API's calls in one session, by what they do. */
function timetable(m: Served, session = 'qa', headers: Record<string, string> = {}) {
  const post = (path: string, body: object) =>
    request(m.listener)
      .post(`/tt/v1${path}`)
      .set({ 'X-Mock-Session': session, ...headers })
      .send(body);
  return {
    token: async (): Promise<string> => (await post('/auth/syncToken', SCHOOL)).body.payload.token as string,
    issue: (body: object = SCHOOL) => post('/auth/syncToken', body),
    renew: (token: string) => post('/auth/syncToken', { token }),
    saveTeacher: (token: string, teacher: object = TEACHER) => post('/teachers/syncSaveTeacher', { token, ...teacher }),
    deleteTeacher: (token: string, no: string) => post(`/teachers/syncDeleteTeacher/${no}`, { token }),
    createRoom: (token: string, room: object = ROOM) => post('/rooms/syncCreateRoom', { token, ...room }),
    saveLesson: (token: string, lesson: object = LESSON) => post('/lessons/syncSaveLesson', { token, ...lesson }),
    getLesson: (token: string, lessonId: string) => post('/lessons/syncGetLesson', { token, lessonId }),
    listLessons: (token: string) =>
      request(m.listener)
        .get(`/tt/v1/lessons/syncListLessons?token=${encodeURIComponent(token)}`)
        .set({ 'X-Mock-Session': session, ...headers }),
    deleteLesson: (token: string, id: string) => post(`/lessons/syncDeleteLesson/${id}`, { token }),
    admin: (method: 'get' | 'post' | 'delete', path: string, body?: object) =>
      request(m.listener)[method](`/__mock${path}`).set('X-Mock-Session', session).send(body),
  };
}

const error = (errcode: number, errmsg: string) => ({ errcode, errmsg, payload: null });

describe('the QA flow of a fifth API served by --spec alone', () => {
  test('token → teacher → room → lesson → read → list → delete, each in its envelope, with its codes journaled', async () => {
    const m = await mock();
    const tt = timetable(m);
    const issued = await tt.issue();
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ errcode: 0, errmsg: 'success', payload: { expiresIn: 7200 } });
    expect(issued.body.payload.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(issued.body.payload.expireAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const token = issued.body.payload.token as string;

    expect((await tt.saveTeacher(token)).body).toEqual({ errcode: 0, errmsg: 'success', payload: TEACHER });
    // The room is not there yet: the lesson's reference is refused with the document's code.
    expect((await tt.saveLesson(token)).body).toEqual(error(4042, '教室不存在'));
    expect((await tt.createRoom(token)).body).toEqual({ errcode: 0, errmsg: 'success', payload: ROOM });
    expect((await tt.saveLesson(token)).body).toEqual({ errcode: 0, errmsg: 'success', payload: LESSON });
    // An upsert: the same lessonId again replaces the record.
    const moved = { ...LESSON, period: 3 };
    expect((await tt.saveLesson(token, moved)).body.payload).toEqual(moved);
    expect((await tt.getLesson(token, 'L-1')).body).toEqual({ errcode: 0, errmsg: 'success', payload: moved });
    expect((await tt.listLessons(token)).body).toEqual({ errcode: 0, errmsg: 'success', payload: [moved] });
    expect((await tt.deleteLesson(token, 'L-1')).body).toEqual({ errcode: 0, errmsg: '已删除' });
    expect((await tt.listLessons(token)).body.payload).toEqual([]);

    const codes = m.calls.map((c) => [c.operationId, c.response.code]);
    expect(codes).toEqual([
      ['ttIssueToken', '0'],
      ['ttSaveTeacher', '0'],
      ['ttSaveLesson', '4042'],
      ['ttCreateRoom', '0'],
      ['ttSaveLesson', '0'],
      ['ttSaveLesson', '0'],
      ['ttGetLesson', '0'],
      ['ttListLessons', '0'],
      ['ttDeleteLesson', '0'],
      ['ttListLessons', '0'],
    ]);
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test('missing, duplicate and credential codes: 4040, 4041, 4090, 4011, 4010, 4012', async () => {
    const m = await mock();
    const tt = timetable(m);
    const token = await tt.token();
    await tt.saveTeacher(token);
    await tt.createRoom(token);
    expect((await tt.getLesson(token, 'L-404')).body).toEqual(error(4040, '课程不存在'));
    expect((await tt.deleteLesson(token, 'L-404')).body).toEqual(error(4040, '课程不存在'));
    expect((await tt.deleteTeacher(token, 'T-404')).body).toEqual(error(4041, '教师不存在'));
    expect((await tt.saveLesson(token, { ...LESSON, teacherNo: 'T-404' })).body).toEqual(error(4041, '教师不存在'));
    expect((await tt.createRoom(token)).body).toEqual(error(4090, '教室编码已存在'));
    expect((await tt.issue({ ...SCHOOL, schoolSecret: 'wrong' })).body).toEqual(error(4011, '学校编码或密钥错误'));
    expect((await tt.saveTeacher('not-a-token')).body).toEqual(error(4010, '令牌无效'));
    expect((await tt.listLessons('not-a-token')).body).toEqual(error(4010, '令牌无效'));
    expect((await tt.renew('not-a-token')).body).toEqual(error(4012, '续期令牌无效'));
    // A teacher deleted is gone for the lessons saved after it.
    expect((await tt.deleteTeacher(token, 'T-001')).body).toEqual({ errcode: 0, errmsg: '已删除' });
    expect((await tt.saveLesson(token)).body).toEqual(error(4041, '教师不存在'));
    expect(m.calls.map((c) => c.response.code)).toEqual([
      '0',
      '0',
      '0',
      '4040',
      '4040',
      '4041',
      '4041',
      '4090',
      '4011',
      '4010',
      '4010',
      '4012',
      '0',
      '4041',
    ]);
    m.close();
  });

  test("sessions keep apart: another session has none of this one's records or tokens", async () => {
    const m = await mock();
    const qa = timetable(m, 'qa');
    const dev = timetable(m, 'dev');
    const token = await qa.token();
    await qa.saveTeacher(token);
    expect((await dev.saveTeacher(token)).body).toEqual(error(4010, '令牌无效'));
    const other = await dev.token();
    expect((await dev.deleteTeacher(other, 'T-001')).body).toEqual(error(4041, '教师不存在'));
    m.close();
  });
});

describe("the fifth API's scenarios", () => {
  test('per request (X-Mock-Scenario): its own scenario file answers 4041 for that call only; a built-in one applies too', async () => {
    const m = await mock();
    const tt = timetable(m);
    const token = await tt.token();
    await tt.saveTeacher(token);
    await tt.createRoom(token);
    const missing = timetable(m, 'qa', { 'X-Mock-Scenario': 'timetable-teacher-missing' });
    expect((await missing.saveLesson(token)).body).toEqual(error(4041, '教师不存在'));
    expect(m.calls.at(-1)).toMatchObject({
      operationId: 'ttSaveLesson',
      response: { code: '4041' },
      scenarios: [{ scenario: 'timetable-teacher-missing' }],
    });
    expect((await tt.saveLesson(token)).body.errcode).toBe(0);
    // A built-in scenario applies to it too: server-error is the HTML 500 of a crashed gateway.
    const crashed = await timetable(m, 'qa', { 'X-Mock-Scenario': 'server-error' }).getLesson(token, 'L-1');
    expect([crashed.status, crashed.type]).toEqual([500, 'text/html']);
    m.close();
  });

  test('per session (POST /__mock/scenarios/active): only that session gets 4041 until it is deactivated', async () => {
    const m = await mock();
    const qa = timetable(m, 'qa');
    const dev = timetable(m, 'dev');
    const [a, b] = [await qa.token(), await dev.token()];
    for (const [tt, t] of [
      [qa, a],
      [dev, b],
    ] as const)
      await tt.saveTeacher(t);
    expect((await qa.admin('post', '/scenarios/active', { name: 'timetable-teacher-missing' })).status).toBe(201);
    expect((await qa.saveLesson(a, { lessonId: 'L-1', title: '数学', teacherNo: 'T-001' })).body).toEqual(
      error(4041, '教师不存在'),
    );
    expect((await dev.saveLesson(b, { lessonId: 'L-1', title: '数学', teacherNo: 'T-001' })).body.errcode).toBe(0);
    expect((await qa.admin('delete', '/scenarios/active/timetable-teacher-missing')).status).toBeLessThan(300);
    expect((await qa.saveLesson(a, { lessonId: 'L-1', title: '数学', teacherNo: 'T-001' })).body.errcode).toBe(0);
    m.close();
  });

  test('token-expired per session expires the presented token in state: 4010, its renewal 4012, a new token works', async () => {
    const m = await mock();
    const tt = timetable(m);
    const token = await tt.token();
    expect((await tt.admin('post', '/scenarios/active', { name: 'token-expired' })).status).toBe(201);
    expect((await tt.saveTeacher(token)).body).toEqual(error(4010, '令牌无效'));
    expect((await tt.renew(token)).body).toEqual(error(4012, '续期令牌无效'));
    const fresh = await tt.token();
    expect((await tt.saveTeacher(fresh)).body.errcode).toBe(0);
    m.close();
  });
});

describe("the mock clock expires the fifth API's tokens", () => {
  test('7199 s later the token works, 7201 s later it answers 4010 and renewing it 4012', async () => {
    const m = await mock();
    const tt = timetable(m);
    const token = await tt.token();
    await tt.admin('post', '/clock', { advanceSeconds: 7199 });
    expect((await tt.saveTeacher(token)).body.errcode).toBe(0);
    await tt.admin('post', '/clock', { advanceSeconds: 2 });
    expect((await tt.saveTeacher(token)).body).toEqual(error(4010, '令牌无效'));
    expect((await tt.renew(token)).body).toEqual(error(4012, '续期令牌无效'));
    m.close();
  });

  test('a renewal gives the same token 7200 s from the call', async () => {
    const m = await mock();
    const tt = timetable(m);
    const token = await tt.token();
    await tt.admin('post', '/clock', { advanceSeconds: 7000 });
    const renewed = await tt.renew(token);
    expect(renewed.body).toMatchObject({ errcode: 0, payload: { token, expiresIn: 7200 } });
    await tt.admin('post', '/clock', { advanceSeconds: 7000 });
    expect((await tt.saveTeacher(token)).body.errcode).toBe(0);
    await tt.admin('post', '/clock', { advanceSeconds: 201 });
    expect((await tt.saveTeacher(token)).body.errcode).toBe(4010);
    m.close();
  });
});

describe('Prefer and --http-status mapped for the fifth API', () => {
  test('Prefer: code=4090 answers that entry in its envelope, journaled with its code', async () => {
    const m = await mock();
    const tt = timetable(m);
    const token = await tt.token();
    const preferred = timetable(m, 'qa', { Prefer: 'code=4090' });
    expect((await preferred.createRoom(token)).body).toEqual(error(4090, '教室编码已存在'));
    expect(m.calls.at(-1)).toMatchObject({ operationId: 'ttCreateRoom', response: { code: '4090' } });
    m.close();
  });

  test("each code leaves with its entry's x-http-status: 0 → 200, 4010/4011 → 401, 4040/4041 → 404, 4090 → 409", async () => {
    const m = await mock({ httpStatus: 'mapped' });
    const tt = timetable(m);
    const token = await tt.token();
    const statuses = [
      [await tt.saveTeacher(token), 200, 0],
      [await tt.createRoom(token), 200, 0],
      [await tt.createRoom(token), 409, 4090],
      [await tt.getLesson(token, 'L-404'), 404, 4040],
      [await tt.deleteTeacher(token, 'T-404'), 404, 4041],
      [await tt.saveTeacher('not-a-token'), 401, 4010],
      [await tt.issue({ ...SCHOOL, schoolSecret: 'wrong' }), 401, 4011],
    ] as const;
    expect(statuses.map(([res]) => [res.status, res.body.errcode])).toEqual(statuses.map(([, s, c]) => [s, c]));
    m.close();
  });
});
