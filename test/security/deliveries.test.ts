/**
 * Webhook deliveries (issue "Safe to share"): finding 3 (fan-out capped, the event stored once, no record over
 * budget, one session cannot evict another's records), finding 8 (only allowed destinations, host forms
 * normalised, refusals journaled and never attempted) and finding 14 (the record is written when the answer
 * is sent; delivery outcomes follow). Only loopback is ever contacted: refusals are checked without sending.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { packageRoot } from '../../src/contract/load-specs.js';
import request from 'supertest';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { deliver } from '../../src/deliveries/deliver.js';
import { deliveryAllowList } from '../../src/deliveries/delivery-allow-list.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => (s.closeAllConnections(), s.close())));

/** A loopback receiver counting what it gets; `hold` keeps every request unanswered until release(). */
async function receiver(hold = false) {
  let got = 0;
  const held: Array<() => void> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got++;
      if (hold) held.push(() => res.end('ok'));
      else res.end('ok');
    });
  });
  servers.push(server);
  const url = await listen(server);
  return { url, port: Number(new URL(url).port), got: () => got, release: () => held.splice(0).forEach((f) => f()) };
}

const seedProjects = (m: Awaited<ReturnType<typeof testMock>>, session: string, urls: string[]) =>
  request(m.listener)
    .post('/__mock/state')
    .set('X-Mock-Session', session)
    .send({ 'wx-push': { projects: urls.map((url, i) => ({ id: i + 1, url, project: `p${i}`, statu: 0 })) } });

const receiveRecord = async (m: Awaited<ReturnType<typeof testMock>>, session: string): Promise<CallRecord> =>
  (await request(m.listener).get('/__mock/calls?operationId=receive').set('X-Mock-Session', session)).body[0];

describe('fan-out (finding 3)', () => {
  test('one receive sends at most --max-deliveries (default 50); the rest are journaled as not delivered, with the reason; the event is stored once', async () => {
    const r = await receiver();
    const m = await testMock();
    expect(
      (
        await seedProjects(
          m,
          'fan',
          Array.from({ length: 120 }, (_, i) => `${r.url}/hook/${i}`),
        )
      ).status,
    ).toBe(201);
    const marker = 'EVENTMARKER'.repeat(1000);
    expect(
      (
        await request(m.listener)
          .post('/wx/wxc/receive')
          .set('X-Mock-Session', 'fan')
          .send({ event: 'x', raw_data: marker })
      ).body.code,
    ).toBe(200);
    await m.pipeline.settled();
    expect(r.got()).toBe(50);
    const record = await receiveRecord(m, 'fan');
    const listed = record.deliveries.length + (record.deliveriesNotListed ?? 0);
    expect(listed).toBe(120);
    expect(record.deliveries.filter((d) => d.ok)).toHaveLength(50);
    const skipped = record.deliveries.filter((d) => d.refused === 'max-deliveries');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]!.error).toMatch(/at most 50 are sent per call \(serve --max-deliveries\)/);
    const text = JSON.stringify(record);
    expect(text.split('EVENTMARKER'.repeat(1000)).length - 1).toBe(1);
    expect(text.length).toBeLessThanOrEqual(256 * 1024);
  });

  test('by default a delivery body over 1 MB is not sent, with the reason journaled; one just under it is sent', async () => {
    const r = await receiver();
    // A request body past the 1 MB delivery cap gets in only when --max-body is raised.
    const m = await testMock({ limits: { maxBodyBytes: 3 * 1024 * 1024 } });
    await seedProjects(m, 'big', [`${r.url}/hook`]);
    const send = (bytes: number) =>
      request(m.listener)
        .post('/wx/wxc/receive')
        .set('X-Mock-Session', 'big')
        .send({ event: 'x', raw_data: 'x'.repeat(bytes) });
    expect((await send(1024 * 1024 + 1)).body.code).toBe(200);
    await m.pipeline.settled();
    expect(r.got()).toBe(0);
    expect((await receiveRecord(m, 'big')).deliveries[0]).toMatchObject({
      ok: false,
      error: 'body over 1048576 bytes, not sent',
    });
    expect((await send(1024 * 1024 - 100)).body.code).toBe(200);
    await m.pipeline.settled();
    expect(r.got()).toBe(1);
  });

  test('by default a delivery gets 5 s to answer: a receiver that never answers is journaled as a timeout, the call already answered', async () => {
    // The delivery's own timer is read off the signal it is sent with, so the test need not wait 5 s for it.
    const timeouts: number[] = [];
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms: number) => {
      timeouts.push(ms);
      const c = new AbortController();
      c.abort(new DOMException(`signal timed out`, 'TimeoutError'));
      return c.signal;
    });
    try {
      const r = await receiver(true);
      const m = await testMock();
      await seedProjects(m, 'slow', [`${r.url}/hook`]);
      expect(
        (await request(m.listener).post('/wx/wxc/receive').set('X-Mock-Session', 'slow').send({ event: 'x' })).body
          .code,
      ).toBe(200);
      await m.pipeline.settled();
      expect(timeouts).toContain(5000);
      expect((await receiveRecord(m, 'slow')).deliveries[0]).toMatchObject({
        ok: false,
        error: 'no answer within 5000 ms',
      });
      r.release();
    } finally {
      timeout.mockRestore();
    }
  });

  test('the cap is a flag', async () => {
    const r = await receiver();
    const m = await testMock({ delivery: { maxPerCall: 3 } });
    await seedProjects(
      m,
      'cap',
      Array.from({ length: 5 }, (_, i) => `${r.url}/h${i}`),
    );
    await request(m.listener).post('/wx/wxc/receive').set('X-Mock-Session', 'cap').send({ event: 'x' });
    await m.pipeline.settled();
    expect(r.got()).toBe(3);
    expect((await receiveRecord(m, 'cap')).deliveries.map((d) => d.refused ?? 'sent')).toEqual([
      'sent',
      'sent',
      'sent',
      'max-deliveries',
      'max-deliveries',
    ]);
  });

  test("one session's records cannot evict another session's (a byte budget per session inside the total)", () => {
    const j = new Journal({ maxPerSession: 1000, maxTotal: 1000, maxBytes: 100_000, maxSessionBytes: 20_000 });
    const rec = (session: string, id: string, size: number): CallRecord => ({
      id,
      time: '2026-11-22T06:00:00.000Z',
      mockTime: 0,
      session,
      api: 'wx-push',
      operationId: 'receive',
      method: 'POST',
      path: '/wx/wxc/receive',
      query: {},
      request: { headers: {}, body: { raw_data: 'x'.repeat(size) } },
      response: { status: 200, headers: {}, body: {}, code: '200' },
      durationMs: 1,
      violations: [],
      scenarios: [],
      deliveries: [],
    });
    j.append(rec('quiet', 'q1', 100));
    for (let i = 0; i < 100; i++) j.append(rec('loud', `l${i}`, 5000));
    expect(j.query('quiet').map((c) => c.id)).toEqual(['q1']);
    const loud = j.query('loud');
    expect(loud.at(-1)!.id).toBe('l99');
    expect(JSON.stringify(loud).length).toBeLessThanOrEqual(20_000 + loud.length);
  });
});

describe('destinations (finding 8)', () => {
  test.each([
    ['http://10.0.0.1/hook'],
    ['http://167772161/hook'],
    ['http://0x0a.1/hook'],
    ['http://012.0.0.1/hook'],
    ['http://[::ffff:10.0.0.1]/hook'],
    ['http://[::ffff:a00:1]/hook'],
    ['http://169.254.169.254/latest/meta-data'],
    ['http://0.0.0.0:80/'],
    ['http://hooks.example.invalid/x'],
    ['http://127.0.0.1.nip.invalid/x'],
  ])('%s is refused by default, with the reason, and never attempted', async (url) => {
    let attempts = 0;
    const outcome = await deliver({ url, body: { event: 'x' } }, 0, {
      timeoutMs: 100,
      maxBodyBytes: 1000,
      fetch: (async () => (attempts++, new Response('ok'))) as typeof fetch,
    });
    expect(attempts).toBe(0);
    expect(outcome).toMatchObject({
      ok: false,
      refused: 'not-allowed',
      error: expect.stringMatching(/^not delivered: .* is not an allowed destination .*--allow-delivery/),
    });
  });

  test.each([
    ['http://2130706433:PORT/a'],
    ['http://0x7f.1:PORT/a'],
    ['http://127.1:PORT/a'],
    ['http://[::ffff:127.0.0.1]:PORT/a'],
    ['http://localhost:PORT/a'],
  ])('loopback written as %s is delivered', async (form) => {
    const r = await receiver();
    const outcome = await deliver({ url: form.replace('PORT', String(r.port)), body: { event: 'x' } }, 0, {
      timeoutMs: 2000,
      maxBodyBytes: 1000,
    });
    // [::ffff:127.0.0.1] is an IPv4-mapped address: the allow-list takes it as loopback; the socket may or may not reach an IPv4 listener.
    if (!form.includes('::ffff')) expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(outcome.refused).toBeUndefined();
  });

  test('--allow-delivery widens the list: a range, a host, a host:port (checked without sending)', () => {
    const allow = deliveryAllowList(['10.1.0.0/16', 'hooks.example.invalid', '192.0.2.7:8080', '[2001:db8::]/32']);
    const refused = (u: string) => allow.refusal(new URL(u)) !== undefined;
    expect(refused('http://10.1.2.3/x')).toBe(false);
    expect(refused('http://0x0a.0x01.2.3/x')).toBe(false);
    expect(refused('http://[::ffff:10.1.2.3]/x')).toBe(false);
    expect(refused('http://10.2.0.1/x')).toBe(true);
    expect(refused('http://HOOKS.example.invalid./x')).toBe(false);
    expect(refused('http://other.example.invalid/x')).toBe(true);
    expect(refused('http://192.0.2.7:8080/x')).toBe(false);
    expect(refused('http://192.0.2.7/x')).toBe(true);
    expect(refused('http://[2001:db8::5]/x')).toBe(false);
    expect(refused('http://127.0.0.1:9/x')).toBe(false);
    expect(() => deliveryAllowList(['10.0.0.0/33'])).toThrow(/--allow-delivery "10.0.0.0\/33" is not/);
    expect(() => deliveryAllowList(['http://x/y'])).toThrow(/is not HOST/);
  });

  test('serve refuses an --allow-delivery it cannot read: one line, exit 2', async () => {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(packageRoot(), 'bin', 'contract-mock.js'), 'serve', '--port', '0', '--allow-delivery', '10.0.0.0/33'],
        { encoding: 'utf8' },
        (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(
      /^contract-mock serve: --allow-delivery "10\.0\.0\.0\/33" is not HOST, HOST:PORT or an address range/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('through the mock: a push project pointing off loopback is journaled as refused and nothing is sent', async () => {
    let attempts = 0;
    const m = await testMock({ delivery: { fetch: (async () => (attempts++, new Response('ok'))) as typeof fetch } });
    await seedProjects(m, 'off', ['http://2886729729:9/x', 'http://[::ffff:192.168.0.1]/x']);
    await request(m.listener).post('/wx/wxc/receive').set('X-Mock-Session', 'off').send({ event: 'x' });
    await m.pipeline.settled();
    expect(attempts).toBe(0);
    const record = await receiveRecord(m, 'off');
    expect(record.deliveries.map((d) => d.refused)).toEqual(['not-allowed', 'not-allowed']);
    expect(record.deliveries[0]!.error).toContain('172.16.0.1:9 is not an allowed destination');
  });
});

describe('record before deliveries (finding 14)', () => {
  test('the receive record is in the journal as soon as the answer is sent, its deliveries pending; outcomes are added when they settle', async () => {
    const r = await receiver(true);
    const m = await testMock();
    await seedProjects(m, 'early', [`${r.url}/slow`]);
    expect(
      (await request(m.listener).post('/wx/wxc/receive').set('X-Mock-Session', 'early').send({ event: 'x' })).body.code,
    ).toBe(200);
    const early = await receiveRecord(m, 'early');
    expect(early.deliveries).toEqual([expect.objectContaining({ url: `${r.url}/slow`, pending: true, ok: false })]);
    while (r.got() === 0) await new Promise((resolve) => setImmediate(resolve));
    r.release();
    await m.pipeline.settled();
    const settled = await receiveRecord(m, 'early');
    expect(settled.id).toBe(early.id);
    expect(settled.deliveries).toEqual([expect.objectContaining({ ok: true, status: 200 })]);
    expect(settled.deliveries[0]!.pending).toBeUndefined();
    expect(
      (await request(m.listener).get('/__mock/calls').set('X-Mock-Session', 'early')).body.filter(
        (c: CallRecord) => c.operationId === 'receive',
      ),
    ).toHaveLength(1);
  });
});
