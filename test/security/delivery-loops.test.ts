/**
 * No delivery loops, no relay (issue 25, findings 2 and 9): a delivery never targets the mock itself (any
 * spelling of its address, on its port) nor an admin path on any host, and a call that was itself a delivery
 * is answered but forwards nothing. Real servers on free 127.0.0.1 ports; every fetch is counted and bounded,
 * so a regression shows as a failed count, never as a runaway loop.
 */
import type { Server } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import type { CallRecord } from '../../src/journal/call-record.js';
import { deliver } from '../../src/deliveries/deliver.js';
import { isAdminTarget, selfTarget } from '../../src/deliveries/self-target.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

type TestMock = Awaited<ReturnType<typeof testMock>>;

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => (s.closeAllConnections(), s.close())));

/** Global fetch, counted; past `max` attempts it refuses, so a loop that is not stopped ends anyway. */
function boundedFetch(max = 10) {
  let attempts = 0;
  const f = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    if (++attempts > max) throw new Error(`test fetch: over ${max} attempts (a delivery loop)`);
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: f, attempts: () => attempts };
}

/** A mock listening on a free 127.0.0.1 port, its deliveries through `f`. */
async function listening(f: typeof fetch): Promise<{ m: TestMock; url: string; port: number }> {
  const m = await testMock({ delivery: { fetch: f } });
  servers.push(m.server);
  const url = await listen(m.server);
  return { m, url, port: Number(new URL(url).port) };
}

const addProject = (base: string, url: string, project: string) =>
  request(base).post('/wx/push/addPushProject').type('form').send({ url, project });
const receiveRecords = (m: TestMock): CallRecord[] => m.calls.filter((c) => c.operationId === 'receive');

describe('a delivery never targets the mock itself (finding 2)', () => {
  test('two projects pointing at its own receive, one receive: both refused as self, nothing sent, server healthy', async () => {
    const counted = boundedFetch();
    const { m, url } = await listening(counted.fetch);
    for (const p of ['a', 'b']) expect((await addProject(url, `${url}/wx/wxc/receive`, p)).body.code).toBe('200');
    expect((await request(url).post('/wx/wxc/receive').send({ event: 'x' })).body.code).toBe(200);
    await m.pipeline.settled();
    expect(counted.attempts()).toBe(0);
    const receives = receiveRecords(m);
    expect(receives).toHaveLength(1);
    expect(receives[0]!.deliveries).toEqual([
      expect.objectContaining({
        ok: false,
        refused: 'self',
        error: expect.stringMatching(/^not delivered: 127\.0\.0\.1:\d+ is this mock itself .*loop/),
      }),
      expect.objectContaining({ ok: false, refused: 'self' }),
    ]);
    expect((await request(url).get('/__mock/health')).status).toBe(200);
  });

  const P = 4010;
  test.each([
    'localhost',
    'LOCALHOST.',
    'api.localhost',
    '127.0.0.1',
    '127.0.0.2',
    '[::1]',
    '[0:0:0:0:0:0:0:1]',
    '0',
    '0.0.0.0',
    '[::]',
    '2130706433',
    '0x7f000001',
    '0x7f.1',
    '127.1',
    '017700000001',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
  ])("http://%s on the mock's port is refused as self and never attempted", async (host) => {
    let attempts = 0;
    const outcome = await deliver({ url: `http://${host}:${P}/wx/wxc/receive`, body: { event: 'x' } }, 0, {
      timeoutMs: 100,
      maxBodyBytes: 1000,
      listening: () => [{ address: '127.0.0.1', port: P }],
      fetch: (async () => (attempts++, new Response('ok'))) as typeof fetch,
    });
    expect(attempts).toBe(0);
    expect(outcome).toMatchObject({
      ok: false,
      refused: 'self',
      error: expect.stringContaining('is this mock itself'),
    });
  });

  test('the listen address itself, in any spelling; on a wildcard bind any local address; other ports and hosts are not self', () => {
    const self = (url: string, address: string, local: string[] = []) =>
      selfTarget(new URL(url), [{ address, port: P }], () => new Set(local))?.refused;
    expect(self(`http://192.0.2.5:${P}/h`, '192.0.2.5')).toBe('self');
    expect(self(`http://3221225989:${P}/h`, '192.0.2.5')).toBe('self');
    expect(self(`http://[::ffff:c000:205]:${P}/h`, '::ffff:192.0.2.5')).toBe('self');
    expect(self(`http://[2001:0db8:0:0::1]:${P}/h`, '2001:db8::1')).toBe('self');
    expect(self(`http://192.0.2.6:${P}/h`, '192.0.2.5', ['192.0.2.6'])).toBeUndefined();
    expect(self(`http://192.0.2.6:${P}/h`, '0.0.0.0', ['192.0.2.6'])).toBe('self');
    expect(self(`http://[2001:db8::7]:${P}/h`, '::', ['2001:db8::7'])).toBe('self');
    expect(self(`http://192.0.2.8:${P}/h`, '::', ['192.0.2.6'])).toBeUndefined();
    expect(self(`http://127.0.0.1:${P + 1}/h`, '127.0.0.1')).toBeUndefined();
    expect(self(`http://localhost/h`, '127.0.0.1')).toBeUndefined();
    expect(self(`https://localhost/h`, '127.0.0.1')).toBeUndefined();
    expect(selfTarget(new URL('http://127.0.0.1:80/h'), [{ address: '127.0.0.1', port: 80 }])?.refused).toBe('self');
    expect(selfTarget(new URL('https://127.0.0.1/h'), [{ address: '127.0.0.1', port: 443 }])?.refused).toBe('self');
  });
});

describe('a delivery never targets an admin path (finding 9)', () => {
  test.each([
    '/__mock/reset',
    '/__mock',
    '/__MOCK/reset',
    '/%5F_mock/reset',
    '/%5f%5fmock/reset',
    '/__mo%63k/reset',
    '/%255F_mock/reset',
    '/x/../__mock/reset',
    '/x/%2e%2e/__mock/reset',
    '/%2e%2e/__mock',
    '/mounted/__mock/reset',
    '/__mock;v=1/reset',
    '/__mock%2Freset',
    '/x%5C__mock%5Creset',
  ])('%s on any host is refused as admin-path and never attempted', async (path) => {
    for (const host of ['127.0.0.1:9', 'hooks.example.invalid', '10.0.0.1:8080']) {
      let attempts = 0;
      const outcome = await deliver({ url: `http://${host}${path}`, body: { event: 'x' } }, 0, {
        timeoutMs: 100,
        maxBodyBytes: 1000,
        fetch: (async () => (attempts++, new Response('ok'))) as typeof fetch,
      });
      expect(attempts).toBe(0);
      expect(outcome).toMatchObject({
        ok: false,
        refused: 'admin-path',
        error: expect.stringContaining('is an admin path (/__mock)'),
      });
    }
  });

  test('a long path is named in the refusal cut to 120 characters (the journal keeps the url once, in full)', () => {
    const error = selfTarget(new URL(`http://h/__mock/${'x'.repeat(100_000)}`), [])?.error ?? '';
    expect(error.length).toBeLessThan(300);
    expect(error).toMatch(/^not delivered: \/__mock\/x+… is an admin path/);
  });

  test.each(['/hook', '/__mockery', '/my__mock/x', '/hook?next=/__mock/reset', '/hook#/__mock'])(
    '%s is not an admin path',
    (path) => {
      expect(isAdminTarget(new URL(`http://h${path}`).pathname)).toBe(false);
    },
  );

  test("a project pointing at the mock's own /__mock/reset: refused, never sent, the session not reset", async () => {
    const counted = boundedFetch();
    const { m, url } = await listening(counted.fetch);
    expect((await addProject(url, `${url}/__mock/reset`, 'relay')).body.code).toBe('200');
    expect((await request(url).post('/wx/wxc/receive').send({ event: 'x' })).body.code).toBe(200);
    await m.pipeline.settled();
    expect(counted.attempts()).toBe(0);
    expect(receiveRecords(m)[0]!.deliveries).toEqual([expect.objectContaining({ ok: false, refused: 'admin-path' })]);
    const projects = (await request(url).get('/wx/push/queryPushProject')).body.data;
    expect(projects).toEqual([expect.objectContaining({ url: `${url}/__mock/reset`, project: 'relay' })]);
  });

  test('the admin API refuses any request marked as a delivery (a proxy may have rewritten its path), even without a token or Origin', async () => {
    const { url } = await listening(boundedFetch().fetch);
    await addProject(url, 'http://127.0.0.1:9/hook', 'kept');
    const refused = await request(url).post('/__mock/reset').set('X-Mock-Delivery', 'abc');
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toMatch(/carries X-Mock-Delivery/);
    expect((await request(url).get('/wx/push/queryPushProject')).body.data).toHaveLength(1);
    expect((await request(url).get('/__mock/health')).status).toBe(200);
  });
});

describe('a delivery is answered but never forwarded', () => {
  test('two instances pointing at each other: A delivers to B once, B answers and forwards nothing, with the reason', async () => {
    const countedA = boundedFetch();
    const countedB = boundedFetch();
    const a = await listening(countedA.fetch);
    const b = await listening(countedB.fetch);
    await addProject(a.url, `${b.url}/wx/wxc/receive`, 'to-b');
    await addProject(b.url, `${a.url}/wx/wxc/receive`, 'to-a');
    expect((await request(a.url).post('/wx/wxc/receive').send({ event: 'ping' })).body.code).toBe(200);
    await a.m.pipeline.settled();
    await b.m.pipeline.settled();
    expect(countedA.attempts()).toBe(1);
    expect(countedB.attempts()).toBe(0);
    const [fromA] = receiveRecords(a.m);
    expect(receiveRecords(a.m)).toHaveLength(1);
    expect(fromA!.deliveries).toEqual([
      expect.objectContaining({ url: `${b.url}/wx/wxc/receive`, ok: true, status: 200 }),
    ]);
    const [atB] = receiveRecords(b.m);
    expect(receiveRecords(b.m)).toHaveLength(1);
    expect(atB!.response.code).toBe('200');
    expect(atB!.request.headers['x-mock-delivery']).toBe(fromA!.id);
    expect(atB!.deliveries).toEqual([
      expect.objectContaining({
        url: `${a.url}/wx/wxc/receive`,
        ok: false,
        refused: 'from-delivery',
        error: expect.stringMatching(/^not delivered: this call was itself a delivery \(X-Mock-Delivery: [\w-]+\)/),
      }),
    ]);
  });
});
