/**
 * Issue 27's proof on shared state: two `serve --spec examples/timetable.openapi.yaml --redis URL` processes on one
 * Redis are one mock for the fifth API. A token issued by A works on B, records saved on B are read on A, a
 * scenario activated on A applies on B, and the clock advanced on B expires the token on A. Without a
 * redis-server the tests are skipped locally with a message; under CI=true they run and fail.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { serveProcess, type ServeProcess } from '../helpers/serve-process.js';

const TIMETABLE = join(packageRoot(), 'examples', 'timetable.openapi.yaml');
const SCENARIOS = join(packageRoot(), 'examples', 'timetable-scenarios');
const PREFIX = `fifth-${process.pid}`;

let redis: TestRedis | undefined;
let A: ServeProcess;
let B: ServeProcess;

beforeAll(async () => {
  if (SKIP_WITHOUT_REDIS) return;
  redis = await startRedis();
  const args = ['--spec', TIMETABLE, '--scenarios', SCENARIOS, '--redis', redis.url, '--redis-prefix', PREFIX];
  [A, B] = await Promise.all([serveProcess(args), serveProcess(args)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  await redis?.stop();
});

async function call(
  base: string,
  session: string,
  path: string,
  body: object,
  admin = false,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${admin ? '/__mock' : '/tt/v1'}${path}`, {
    method: 'POST',
    headers: { 'x-mock-session': session, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe.skipIf(SKIP_WITHOUT_REDIS)('two instances on one Redis serve the fifth API as one mock', () => {
  test('a token from A works on B; a teacher saved on B is what a lesson on A references; a read on B finds it', async () => {
    const s = 'redis-qa';
    const issued = await call(A.url, s, '/auth/syncToken', {
      schoolCode: 'TT-SCH-001',
      schoolSecret: 'tt-demo-secret',
    });
    const token = (issued['payload'] as { token: string }).token;
    expect(
      (await call(B.url, s, '/teachers/syncSaveTeacher', { token, teacherNo: 'T-1', teacherName: '李老师' }))[
        'errcode'
      ],
    ).toBe(0);
    const lesson = { lessonId: 'L-1', title: '物理', teacherNo: 'T-1' };
    expect(await call(A.url, s, '/lessons/syncSaveLesson', { token, ...lesson })).toEqual({
      errcode: 0,
      errmsg: 'success',
      payload: lesson,
    });
    expect((await call(B.url, s, '/lessons/syncGetLesson', { token, lessonId: 'L-1' }))['payload']).toEqual(lesson);
    expect(await call(B.url, s, '/lessons/syncDeleteLesson/L-1', { token })).toEqual({ errcode: 0, errmsg: '已删除' });
    expect((await call(A.url, s, '/lessons/syncGetLesson', { token, lessonId: 'L-1' }))['errcode']).toBe(4040);
  });

  test('a scenario activated on A answers on B; the clock advanced on B expires the token on A', async () => {
    const s = 'redis-clock';
    const issued = await call(B.url, s, '/auth/syncToken', {
      schoolCode: 'TT-SCH-001',
      schoolSecret: 'tt-demo-secret',
    });
    const token = (issued['payload'] as { token: string }).token;
    await call(A.url, s, '/scenarios/active', { name: 'timetable-teacher-missing' }, true);
    expect(
      (await call(B.url, s, '/lessons/syncSaveLesson', { token, lessonId: 'L-1', title: '数学' }))['errcode'],
    ).toBe(4041);
    await call(B.url, s, '/clock', { advanceSeconds: 7201 }, true);
    expect(
      (await call(A.url, s, '/teachers/syncSaveTeacher', { token, teacherNo: 'T-1', teacherName: '李老师' }))[
        'errcode'
      ],
    ).toBe(4010);
  });
});
