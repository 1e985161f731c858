/**
 * Issue 27's proof through the commands: `serve --spec examples/timetable.openapi.yaml` alone (no handlers) in its
 * own process answers the fifth API's QA flow; `report` reads its journal (codes included); `verify --spec` passes
 * against a copy of the mock and fails against a drifted copy (another envelope field, an undocumented code).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { driftServer, type Drift } from '../helpers/drift-server.js';
import { serveProcess, type ServeProcess } from '../helpers/serve-process.js';

const TIMETABLE = join(packageRoot(), 'examples', 'timetable.openapi.yaml');
const SCENARIOS = join(packageRoot(), 'examples', 'timetable-scenarios');
const bin = join(packageRoot(), 'bin', 'contract-mock.js');

let served: ServeProcess;
beforeAll(async () => {
  served = await serveProcess(['--spec', TIMETABLE, '--scenarios', SCENARIOS]);
}, 60_000);
afterAll(() => served?.stop());

/** A fifth-API call to `base` in `session`: its HTTP status and JSON body. */
async function call(
  base: string,
  session: string,
  path: string,
  body?: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/tt/v1${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'x-mock-session': session, ...(body && { 'content-type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const cli = (...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** The QA flow against `base`: token, teacher, room, lesson, read, list, delete, and the missing codes. */
async function qaFlow(base: string, session: string): Promise<number[]> {
  const t = await call(base, session, '/auth/syncToken', { schoolCode: 'TT-SCH-001', schoolSecret: 'tt-demo-secret' });
  const token = (t.body['payload'] as { token: string }).token;
  const steps = [
    t,
    await call(base, session, '/teachers/syncSaveTeacher', { token, teacherNo: 'T-001', teacherName: '王老师' }),
    await call(base, session, '/rooms/syncCreateRoom', { token, roomCode: 'R-101', roomName: '一号楼101' }),
    await call(base, session, '/lessons/syncSaveLesson', { token, lessonId: 'L-1', title: '数学', teacherNo: 'T-001' }),
    await call(base, session, '/lessons/syncGetLesson', { token, lessonId: 'L-1' }),
    await call(base, session, `/lessons/syncListLessons?token=${token}`),
    await call(base, session, '/lessons/syncDeleteLesson/L-1', { token }),
    await call(base, session, '/lessons/syncDeleteLesson/L-1', { token }),
    await call(base, session, '/lessons/syncSaveLesson', { token, lessonId: 'L-2', title: '语文', teacherNo: 'T-9' }),
    await call(base, session, '/rooms/syncCreateRoom', { token, roomCode: 'R-101', roomName: '一号楼101' }),
  ];
  expect(steps.map((s) => s.status)).toEqual(steps.map(() => 200));
  return steps.map((s) => s.body['errcode'] as number);
}

describe('serve --spec with no handlers', { timeout: 90_000 }, () => {
  test("answers the fifth API's QA flow from its document, and journals each call's business code", async () => {
    expect(await qaFlow(served.url, 'cli-qa')).toEqual([0, 0, 0, 0, 0, 0, 0, 4040, 4041, 4090]);
    const calls = (await (
      await fetch(`${served.url}/__mock/calls?api=timetable`, { headers: { 'x-mock-session': 'cli-qa' } })
    ).json()) as Array<{ operationId: string; response: { code: string } }>;
    expect(calls.map((c) => `${c.operationId} ${c.response.code}`)).toEqual([
      'ttIssueToken 0',
      'ttSaveTeacher 0',
      'ttCreateRoom 0',
      'ttSaveLesson 0',
      'ttGetLesson 0',
      'ttListLessons 0',
      'ttDeleteLesson 0',
      'ttDeleteLesson 4040',
      'ttSaveLesson 4041',
      'ttCreateRoom 4090',
    ]);
  });
});

describe('report over the fifth API', { timeout: 90_000 }, () => {
  test('a session that kept the contract: every operation called is listed ok, exit 0', async () => {
    await qaFlow(served.url, 'cli-report-ok');
    const run = await cli('report', '--url', served.url, '--session', 'cli-report-ok');
    expect(run.status, run.stdout + run.stderr).toBe(0);
    for (const op of ['ttIssueToken', 'ttSaveTeacher', 'ttCreateRoom', 'ttSaveLesson', 'ttGetLesson', 'ttDeleteLesson'])
      expect(run.stdout).toContain(op);
    expect(run.stdout).toContain('no contract violations in 10 call(s) of session "cli-report-ok"');
  });

  test('a call that broke it: the operation and the field in the table and the JUnit file, exit 1', async () => {
    const bad = await call(served.url, 'cli-report-bad', '/lessons/syncSaveLesson', { token: 't', lessonId: 'L-1' });
    expect(bad.body).toEqual({ errcode: 4100, errmsg: '参数错误', payload: null });
    const dir = mkdtempSync(join(tmpdir(), 'cm-fifth-report-'));
    const run = await cli('report', '--url', served.url, '--session', 'cli-report-bad', '--junit', join(dir, 'j.xml'));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('ttSaveLesson');
    expect(run.stdout).toMatch(/\/body\/title/);
    expect(readFileSync(join(dir, 'j.xml'), 'utf8')).toContain('<testcase classname="timetable" name="ttSaveLesson');
  });
});

describe('verify --spec for the fifth API', () => {
  // A second serve process: the copy of the mock verify runs against (and the drifted copies forward to).
  let copy: ServeProcess;
  beforeAll(async () => {
    copy = await serveProcess(['--spec', TIMETABLE]);
  }, 60_000);
  afterAll(() => copy?.stop());
  /** verify sends some 65 requests and spawns a process: minutes, not seconds, on a loaded 2-core machine. */
  const VERIFY_MS = 180_000;

  test(
    'passes against a copy of the mock',
    async () => {
      const run = await cli('verify', '--spec', TIMETABLE, '--api', 'timetable', '--target', copy.url);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/all \d+ checks passed/);
    },
    VERIFY_MS,
  );

  /** Two ways a provider drifts from the document: another envelope field, a code the catalogue does not have. */
  const DRIFTED: Record<string, Drift> = {
    renamedPayload: (_path, body) => {
      if (!('payload' in body) || body['errcode'] !== 0) return undefined;
      const { payload, ...rest } = body;
      return { body: { ...rest, data: payload } };
    },
    undocumentedCode: (path) =>
      path.includes('/syncDeleteLesson/') ? { body: { errcode: 4999, errmsg: '删除失败', payload: null } } : undefined,
  };

  test.each(Object.keys(DRIFTED))(
    'fails against a drifted copy (%s), exit 1',
    async (name) => {
      const drifted = await driftServer(copy.url, [DRIFTED[name]!]);
      try {
        const dir = mkdtempSync(join(tmpdir(), 'cm-fifth-verify-'));
        const json = join(dir, 'report.json');
        const run = await cli(
          'verify',
          '--spec',
          TIMETABLE,
          '--api',
          'timetable',
          '--target',
          drifted.url,
          '--json',
          json,
        );
        expect(run.status, run.stdout + run.stderr).toBe(1);
        const report = JSON.parse(readFileSync(json, 'utf8')) as {
          checks: Array<{ ok: boolean; operationId: string; failures: Array<{ message: string }> }>;
        };
        const failed = report.checks.filter((c) => !c.ok);
        expect(failed.length).toBeGreaterThan(0);
        if (name === 'undocumentedCode')
          expect(new Set(failed.map((c) => c.operationId))).toEqual(new Set(['ttDeleteLesson']));
        expect(JSON.stringify(failed)).toMatch(name === 'undocumentedCode' ? /4999/ : /payload|data/);
      } finally {
        drifted.server.close();
      }
    },
    VERIFY_MS,
  );
});
