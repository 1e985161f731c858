/**
 * A fifth API served from its document alone (issue 27, first line): a document in the family's envelope style
 * (`x-dialect`, `x-error-catalog`) answers as the four built-in APIs do, in its own envelope at HTTP 200, with its
 * own codes: parameter errors, wrong methods, scenario-free business errors and `--http-status mapped`.
 */
import { join } from 'node:path';
import request from 'supertest';
import { expect, test } from 'vitest';
import { servedMock } from '../helpers/served.js';

const TIMETABLE = join(import.meta.dirname, '..', '..', 'examples', 'timetable.openapi.yaml');
const SAVE = '/tt/v1/lessons/syncSaveLesson';

/** A token from the document's token operation, for the school its x-mock-state seeds. */
async function token(m: Awaited<ReturnType<typeof servedMock>>): Promise<string> {
  const res = await request(m.listener)
    .post('/tt/v1/auth/syncToken')
    .send({ schoolCode: 'TT-SCH-001', schoolSecret: 'tt-demo-secret' });
  return res.body.payload.token as string;
}

test("a request that breaks the contract gets the document's invalidRequest envelope at HTTP 200, journaled with its code", async () => {
  const m = await servedMock([TIMETABLE]);
  const res = await request(m.listener).post(SAVE).send({ token: 't', lessonId: 'L-1' });
  expect([res.status, res.type, res.body]).toEqual([
    200,
    'application/json',
    { errcode: 4100, errmsg: '参数错误', payload: null },
  ]);
  expect(res.headers['x-mock-violations']).toContain('title');
  expect(m.calls.at(-1)).toMatchObject({ api: 'timetable', operationId: 'ttSaveLesson', response: { code: '4100' } });
});

test("a valid call answers the document's example; a wrong method its methodNotAllowed envelope", async () => {
  const m = await servedMock([TIMETABLE]);
  const ok = await request(m.listener)
    .post(SAVE)
    .send({ token: await token(m), lessonId: 'L-1', title: '数学' });
  expect([ok.status, ok.body.errcode, ok.body.payload]).toEqual([200, 0, { lessonId: 'L-1', title: '数学' }]);
  expect(m.calls.at(-1)!.violations).toEqual([]);
  const wrong = await request(m.listener).get(SAVE);
  expect([wrong.status, wrong.body]).toEqual([200, { errcode: 4050, errmsg: '请求方式不支持', payload: null }]);
});

test('under --http-status mapped its codes leave with their x-http-status', async () => {
  const m = await servedMock([TIMETABLE], { httpStatus: 'mapped' });
  const bad = await request(m.listener).post(SAVE).send({});
  expect([bad.status, bad.body.errcode]).toEqual([400, 4100]);
  // A mistake in how the mock itself is used is not the API's: problem+json, whatever the document's dialect.
  const scenario = await request(m.listener)
    .post(SAVE)
    .set('X-Mock-Scenario', 'nope')
    .send({ token: 't', lessonId: 'L-1', title: '数学' });
  expect([scenario.status, scenario.type]).toEqual([400, 'application/problem+json']);
  const ok = await request(m.listener)
    .post(SAVE)
    .send({ token: await token(m), lessonId: 'L-1', title: '数学' });
  expect([ok.status, ok.body.errcode]).toEqual([200, 0]);
});

test("Prefer: code=<business code> answers that catalogue entry in the document's envelope, journaled with its code", async () => {
  const m = await servedMock([TIMETABLE]);
  const res = await request(m.listener)
    .post(SAVE)
    .set('Prefer', 'code=4040')
    .send({ token: 't', lessonId: 'L-9', title: '物理' });
  expect([res.status, res.body]).toEqual([200, { errcode: 4040, errmsg: '课程不存在', payload: null }]);
  expect(m.calls.at(-1)).toMatchObject({ response: { code: '4040' }, violations: [] });
  // A code that is neither a documented status nor a catalogue entry is the no-such-example refusal.
  const unknown = await request(m.listener)
    .post(SAVE)
    .set('Prefer', 'code=4999')
    .send({ token: 't', lessonId: 'L-9', title: '物理' });
  expect([unknown.status, unknown.type]).toEqual([400, 'application/problem+json']);
});
