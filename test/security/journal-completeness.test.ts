/**
 * Finding 9 (issue "Safe to share"): every answered call is journaled with its violations, however deep or
 * big its body, so `contract-mock report` cannot pass a CI job that broke the contract.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { Journal } from '../../src/journal/journal.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
let m: Awaited<ReturnType<typeof testMock>>;
let url: string;
beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
});
afterAll(() => {
  m.server.closeAllConnections();
  m.server.close();
});

const report = (session: string) =>
  new Promise<{ status: number; stdout: string }>((resolve) =>
    execFile(
      process.execPath,
      [bin, 'report', '--url', url, '--session', session],
      { encoding: 'utf8' },
      (err, stdout) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    ),
  );

describe('a call the mock answered is in the journal', () => {
  test.each([
    ['5,000 nested arrays (under 64 KB)', 'deep', '{"event":' + '['.repeat(5000) + ']'.repeat(5000) + '}'],
    [
      'an object 20,000 levels deep',
      'deeper',
      '{"event":"x","extra":' + '{"a":'.repeat(20000) + '1' + '}'.repeat(20000) + '}',
    ],
  ])('%s: journaled with its violations (a preview of the body), and report exits 1', async (_what, session, body) => {
    const res = await request(m.listener)
      .post('/wx/wxc/receive')
      .set('X-Mock-Session', session)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.headers['x-mock-violations']).toContain('nesting deeper');
    const calls = (await request(m.listener).get('/__mock/calls').set('X-Mock-Session', session)).body as CallRecord[];
    expect(calls).toHaveLength(1);
    expect(calls[0]!.violations.map((v) => v.rule)).toContain('max-depth');
    expect(calls[0]!.request.body).toMatch(/^\(\d+ bytes, not kept whole: nesting deeper than 32 levels\) \{"event":/);
    const run = await report(session);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/contract violation\(s\) in 1 call\(s\)/);
  });
});

describe('Journal.append never loses a record', () => {
  const base = (over: Partial<CallRecord>): CallRecord => ({
    id: 'r1',
    time: '2026-11-22T06:00:00.000Z',
    mockTime: 0,
    session: 's',
    api: 'wx-push',
    operationId: 'receive',
    method: 'POST',
    path: '/wx/wxc/receive',
    query: {},
    request: { headers: {}, body: {} },
    response: { status: 200, headers: {}, body: {}, code: '200' },
    durationMs: 1,
    violations: [{ side: 'request', pointer: '/body', rule: 'type', message: 'x' }],
    scenarios: [],
    deliveries: [],
    ...over,
  });

  test('a body JSON cannot write (nested past any limit) is kept cut at a depth, with the violations', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const j = new Journal({ maxPerSession: 10, maxTotal: 10 });
    j.append(
      base({ request: { headers: {}, body: deep }, response: { status: 200, headers: {}, body: deep, code: '200' } }),
    );
    const [kept] = j.query('s');
    expect(kept!.violations).toHaveLength(1);
    expect(JSON.stringify(kept!.request.body)).toContain('(nested deeper than 64 levels, not kept)');
  });

  test('no record is stored over the per-record budget', () => {
    const j = new Journal({ maxPerSession: 10, maxTotal: 10, maxRecordBytes: 10_000 });
    j.append(
      base({
        request: { headers: {}, body: { raw: 'x'.repeat(50_000) } },
        response: { status: 200, headers: {}, body: { echo: 'y'.repeat(50_000) }, code: '200' },
      }),
    );
    const [stored] = j.query('s') as [CallRecord];
    expect(JSON.stringify(stored).length).toBeLessThanOrEqual(10_000);
    expect(stored.request.body).toMatch(/^\(\d+ bytes, not kept whole: the record was over 10000 bytes\) \{"raw":"xxx/);
    expect(j.stats().bytes).toBeLessThanOrEqual(10_000);
  });
});
