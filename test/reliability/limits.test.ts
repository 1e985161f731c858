/** Every limit is configurable and, when exceeded, answered clearly: the API's own envelope (problem+json on the admin API). */
import { connect } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { exactJson } from '../../src/contract/exact-json.js';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';

const servers: Array<{ server: { close(): void } }> = [];
afterEach(() => servers.splice(0).forEach((m) => m.server.close()));
const violations = (res: request.Response) =>
  JSON.parse(String(res.headers['x-mock-violations'] ?? '[]')) as Array<{ message: string }>;

/** Sends raw bytes on a socket and returns everything the server answers (until it closes or goes quiet). */
function raw(url: string, text: string, { endAfterMs }: { endAfterMs?: number } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    let out = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    if (endAfterMs) setTimeout(() => socket.end(), endAfterMs);
  });
}

describe('limits', () => {
  test('body size', async () => {
    const m = await testMock({ limits: { maxBodyBytes: 1000 } });
    const res = await request(m.listener)
      .post('/v1/channel/token')
      .send({ appid: 'x'.repeat(2000), secret: 's' });
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    expect(violations(res)[0]!.message).toContain('over the 1000-byte limit');
  });

  test('JSON depth', async () => {
    const m = await testMock({ limits: { maxDepth: 3 } });
    const res = await request(m.listener)
      .post('/wx/wxc/receive')
      .send({ event: 'e', raw_data: 'r', app_key: 'k', school_code: 's', x: { a: { b: { c: 1 } } } });
    expect(res.body).toMatchObject({ code: 11001 });
    expect(violations(res).some((v) => v.message === 'nesting deeper than 3 levels')).toBe(true);
  });

  test('number of form or query fields', async () => {
    const m = await testMock({ limits: { maxFields: 5 } });
    const res = await request(m.listener)
      .post('/datasyn/user/register')
      .type('form')
      .send('a=1&b=2&c=3&d=4&e=5&f=6&g=7');
    expect(res.body.meta.status).toBe(3);
    expect(violations(res).some((v) => v.message === 'more than 5 fields')).toBe(true);
  });

  test('header size: node refuses the request, and the client still gets the API envelope (HTTP 431)', async () => {
    const m = await testMock({ maxHeaderBytes: 1024 });
    servers.push(m);
    const url = await listen(m.server);
    const answer = await raw(
      url,
      `POST /v1/channel/token HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(4000)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(answer).toContain('{"status":402,"message":"参数错误"}');
    expect(answer).toContain('over the 1024-byte limit');
  });

  test('slow headers: a request whose headers do not arrive in time is answered 408, not 400', async () => {
    const m = await testMock();
    servers.push(m);
    const url = await listen(m.server);
    // node:http reports headers that outlast server.headersTimeout as this clientError (checked every 30 s by
    // default): raised here on the server's side of a connection whose headers stopped half-way.
    const accepted = new Promise<import('node:net').Socket>((resolve) => m.server.once('connection', resolve));
    const answer = raw(url, 'GET /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const socket = await accepted;
    m.server.emit(
      'clientError',
      Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
      socket,
    );
    expect(await answer).toMatch(/^HTTP\/1.1 408 Request Timeout\r\n/);
  });

  test('request timeout: a body that stops arriving gets the envelope instead of holding the call', async () => {
    const m = await testMock({ limits: { requestTimeoutMs: 150 } });
    servers.push(m);
    const url = await listen(m.server);
    const answer = await raw(
      url,
      `POST /v1/channel/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"appid":`,
      { endAfterMs: 5000 },
    );
    expect(answer).toMatch(/^HTTP\/1.1 200 /);
    expect(answer).toContain('{"status":402,"message":"参数错误"}');
    expect(answer).toContain('did not arrive within 150 ms');
  });

  test('request timeout: slow bodies time out one by one while the calls between them are answered at once', async () => {
    const m = await testMock({ limits: { requestTimeoutMs: 150 } });
    servers.push(m);
    const url = await listen(m.server);
    const slow = (): Promise<string> =>
      raw(
        url,
        `POST /v1/channel/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"appid":`,
        { endAfterMs: 5000 },
      );
    const first = slow();
    const fast = await fetch(`${url}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
    });
    expect(((await fast.json()) as { status: number }).status).toBe(200);
    const second = slow();
    for (const answer of await Promise.all([first, second])) {
      expect(answer).toMatch(/^HTTP\/1.1 200 /);
      expect(answer).toContain('did not arrive within 150 ms');
    }
    const timedOut = (await m.journal.query('default')).filter((c) =>
      c.violations.some((v) => v.rule === 'request-timeout'),
    );
    expect(timedOut).toHaveLength(2);
  });

  test('sessions: beyond the cap, with no idle session to drop, a new session is still served (a one-call session makes room); sessions in use go on', async () => {
    const m = await testMock({ maxSessions: 2, sessionIdleMs: 3_600_000 });
    const org = (session: string) =>
      request(m.listener)
        .get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token')
        .set('X-Mock-Session', session);
    expect((await org('a')).body.code).toBe('000000');
    expect((await org('a')).body.code).toBe('000000');
    expect((await org('b')).body.code).toBe('000000');
    const admitted = await org('c');
    expect(admitted.headers['x-mock-limit']).toBeUndefined();
    expect(admitted.body.code).toBe('000000');
    expect((await request(m.listener).get('/__mock/state').set('X-Mock-Session', 'd')).status).toBe(200);
    expect((await m.store.sessionIds()).sort()).toEqual(['a', 'd']);
    expect(m.store.stats?.()).toMatchObject({ held: 2, max: 2, evicted: 2 });
  });

  test('sessions: at the cap, a session idle long enough makes room', async () => {
    const m = await testMock({ maxSessions: 2, sessionIdleMs: 0 });
    for (const s of ['a', 'b', 'c'])
      expect((await request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Session', s)).body.success).toBe(
        true,
      );
    expect((await m.store.sessionIds()).sort()).toEqual(['b', 'c']);
  });

  test('journal size (per session and in all) is configurable; evictions are counted', async () => {
    const m = await testMock({ journal: { maxPerSession: 3, maxTotal: 4 } });
    for (const s of ['a', 'a', 'a', 'a', 'b', 'b'])
      await request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Session', s);
    expect(m.journal.stats()).toMatchObject({ records: 4, evicted: 2 });
  });
});

describe('records per session', () => {
  test('a session at its record limit refuses new records with the API envelope; existing ones still update', async () => {
    const m = await testMock({ maxRecordsPerSession: 6 });
    const add = (n: number) =>
      request(m.listener)
        .post('/wx/push/addPushProject')
        .type('form')
        .send({ url: `http://127.0.0.1:9/${n}`, project: 'p' });
    // The seed holds 3 records (app, wuhan token, org); three projects fill the session.
    for (let i = 0; i < 3; i++) expect((await add(i)).body.success).toBe(true);
    const refused = await add(9);
    expect(refused.status).toBe(200);
    expect(refused.headers['x-mock-limit']).toBe('max-records');
    expect(refused.body).toMatchObject({ success: false, code: '10000' });
    expect(refused.body.message).toContain('maximum of 6 records');
    expect((await request(m.listener).put('/wx/push/updatePushProject').send({ id: 1, statu: 1 })).body.success).toBe(
      true,
    );
    const seeded = await request(m.listener)
      .post('/__mock/state')
      .send({ 'wx-push': { projects: [{ id: 50, url: 'http://x', project: 'y' }] } });
    expect(seeded.status).toBe(400);
    expect(seeded.body.detail).toContain('maximum of 6 records');
  });
});

describe('bytes of state and of answers (issue 25, finding 3)', () => {
  const add = (m: { listener: Parameters<typeof request>[0] }, session: string, n: number, kb = 30) =>
    request(m.listener)
      .post('/wx/push/addPushProject')
      .set('X-Mock-Session', session)
      .type('form')
      .send({ url: `http://127.0.0.1:9/${n}/` + 'a'.repeat(kb * 1000), project: `p${n}` });
  const query = (m: { listener: Parameters<typeof request>[0] }, session: string) =>
    request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Session', session);

  test('a session past --max-state-bytes is refused in the API envelope before the write; deleting a project frees its bytes', async () => {
    const m = await testMock({ maxStateBytes: 100_000 });
    for (let i = 0; i < 3; i++) expect((await add(m, 's', i)).body.success).toBe(true);
    const refused = await add(m, 's', 3);
    expect(refused.status).toBe(200);
    expect(refused.headers['x-mock-limit']).toBe('max-state-bytes');
    expect(refused.body).toMatchObject({ success: false, code: '10000' });
    expect(refused.body.message).toContain('budget of 100000 bytes');
    // Not applied: the query lists the three stored projects only.
    const listed = await query(m, 's');
    expect(listed.headers['x-mock-limit']).toBeUndefined();
    expect(listed.body.data.map((p: { project: string }) => p.project)).toEqual(['p0', 'p1', 'p2']);
    const id = listed.body.data[0].id;
    expect(
      (await request(m.listener).delete('/wx/push/deletePushProject').set('X-Mock-Session', 's').query({ id })).body
        .success,
    ).toBe(true);
    expect((await add(m, 's', 3)).body.success).toBe(true);
    expect(m.calls.at(-1)!.response.status).toBe(200);
  });

  test('--max-store-bytes holds across sessions: a session in use is not evicted for it, and the next session is refused', async () => {
    const m = await testMock({ maxStoreBytes: 100_000 });
    for (let i = 0; i < 3; i++) expect((await add(m, 'a', i)).body.success).toBe(true);
    const refused = await add(m, 'b', 0);
    expect(refused.headers['x-mock-limit']).toBe('max-store-bytes');
    expect(refused.body.message).toContain('all sessions past their budget of 100000 bytes');
    expect((await query(m, 'b')).body.data).toEqual([]);
    expect((await request(m.listener).post('/__mock/reset').set('X-Mock-Session', 'a')).status).toBeLessThan(300);
    expect((await add(m, 'b', 0)).body.success).toBe(true);
  });

  test('an answer over --max-response is refused in the API envelope and recorded as refused, never a 500', async () => {
    const m = await testMock({ limits: { maxResponseBytes: 50_000 } });
    for (let i = 0; i < 2; i++) expect((await add(m, 's', i)).body.success).toBe(true);
    const refused = await query(m, 's');
    expect(refused.status).toBe(200);
    expect(refused.headers['x-mock-limit']).toBe('max-response');
    expect(refused.body).toMatchObject({ success: false, code: '10000' });
    expect(refused.body.message).toMatch(/queryPushProject would be \d+ bytes, over the response limit of 50000 bytes/);
    const recorded = m.calls.at(-1)!;
    expect(recorded.response.body).toEqual(refused.body);
    expect(recorded.violations).toContainEqual(expect.objectContaining({ rule: 'max-response' }));
  });

  test('an answer over 1 MiB is journaled as a preview of the text sent (not written again for the journal)', async () => {
    const m = await testMock();
    for (let i = 0; i < 2; i++) expect((await add(m, 's', i, 600)).body.success).toBe(true);
    const listed = await query(m, 's');
    expect(listed.body.data).toHaveLength(2);
    const body = m.calls.at(-1)!.response.body as string;
    expect(body).toMatch(new RegExp(`^\\(${listed.text.length} bytes, not kept whole\\) \\{`));
    expect(body.length).toBeLessThan(2000);
    expect(m.calls.at(-1)!.response.code).toBe('200');
  });

  test('an answer too large for V8 to write as one string (RangeError) is refused the same way, not a 500 with a stack', async () => {
    const logged: string[] = [];
    const m = await testMock({ log: (line) => logged.push(line) });
    expect((await add(m, 's', 0, 1)).body.success).toBe(true);
    const stringify = exactJson.stringify;
    // What a 1.2 GB answer does to JSON.stringify, without building one.
    const spy = vi.spyOn(exactJson, 'stringify').mockImplementation((value: unknown, space?: number) => {
      if (Array.isArray((value as { data?: unknown })?.data)) throw new RangeError('Invalid string length');
      return stringify(value, space);
    });
    try {
      const refused = await query(m, 's');
      expect(refused.status).toBe(200);
      expect(refused.headers['x-mock-limit']).toBe('max-response');
      expect(refused.body.message).toContain('larger than the mock can write');
    } finally {
      spy.mockRestore();
    }
    expect(logged.join('\n')).not.toContain('RangeError');
  });
});
