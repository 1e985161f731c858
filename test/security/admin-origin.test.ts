/**
 * Finding 6 of "Safe to share": a web page on another origin can neither read nor change the admin API of a
 * developer's local mock. Admin CORS goes only to the dashboard's own origin and to --cors-origin origins; a
 * Host that is not a localhost name, an IP address, the listen address or --allow-host is refused (DNS
 * rebinding); a browser's write must be JSON or carry an X-Mock header (no simple-request CSRF). The API paths
 * keep open CORS, and scripts without browser headers (curl, CI) work as before.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

const EVIL = 'http://evil.example';

describe('admin CORS', () => {
  test('a page on another origin is not granted CORS on admin routes, and its preflight is refused', async () => {
    const m = await testMock();
    const read = await request(m.listener).get('/__mock/calls').set('Origin', EVIL);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await request(m.listener)
      .options('/__mock/state')
      .set('Origin', EVIL)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(pre.status).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  test("the dashboard's own origin and --cors-origin origins are granted CORS", async () => {
    const m = await testMock({ corsOrigins: ['http://localhost:5173'] });
    const own = await request(m.listener)
      .get('/__mock/calls')
      .set('Host', 'localhost:4010')
      .set('Origin', 'http://localhost:4010');
    expect(own.headers['access-control-allow-origin']).toBe('http://localhost:4010');
    const listed = await request(m.listener)
      .options('/__mock/state')
      .set('Origin', 'http://localhost:5173')
      .set('Access-Control-Request-Method', 'POST');
    expect(listed.status).toBe(204);
    expect(listed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const write = await request(m.listener)
      .post('/__mock/clock')
      .set('Origin', 'http://localhost:5173')
      .send({ advanceSeconds: 1 });
    expect(write.status).toBe(200);
  });

  test('API routes keep open CORS for frontends on any origin', async () => {
    const m = await testMock();
    const res = await request(m.listener)
      .post('/v1/channel/token')
      .set('Origin', EVIL)
      .send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(res.body.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(EVIL);
    const pre = await request(m.listener)
      .options('/v1/channel/token')
      .set('Origin', EVIL)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type, x-mock-session');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(EVIL);
  });
});

describe('Host check (DNS rebinding)', () => {
  test.each([
    ['a rebinding name', 'attacker.example:4010', 403],
    ['localhost', 'localhost:4010', 200],
    ['a .localhost name', 'app.localhost:4010', 200],
    ['an IPv4 address', '127.0.0.1:4010', 200],
    ['an IPv6 address', '[::1]:4010', 200],
  ])('admin routes addressed to %s (%s) answer %i', async (_name, host, status) => {
    const m = await testMock();
    const res = await request(m.listener).get('/__mock/calls').set('Host', host);
    expect(res.status).toBe(status);
    if (status === 403) {
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toContain('--allow-host attacker.example');
    }
  });

  test('--allow-host and the listen address widen it; API routes are not checked', async () => {
    const m = await testMock({ allowHosts: ['mock.team.internal', '.dev.internal'], listenHost: 'box.lan' });
    for (const host of ['mock.team.internal', 'a.dev.internal:80', 'dev.internal', 'box.lan:4010'])
      expect((await request(m.listener).get('/__mock/calls').set('Host', host)).status).toBe(200);
    expect((await request(m.listener).get('/__mock/calls').set('Host', 'evil-dev.internal')).status).toBe(403);
    expect(
      (
        await request(m.listener)
          .post('/v1/channel/token')
          .set('Host', 'attacker.example')
          .send({ appid: 'demo-app', secret: 'demo-secret' })
      ).body.status,
    ).toBe(200);
  });
});

describe('cross-origin and simple-request writes', () => {
  test('a page on another origin cannot seed a push project or reset another session, even with a simple text/plain request', async () => {
    const m = await testMock();
    // A simple request cannot send X-Mock-Session: the page can reach only the default session.
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 60 });
    const seed = await request(m.listener)
      .post('/__mock/state')
      .set('Origin', EVIL)
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ 'wx-push': { pushProjects: [{ url: `${EVIL}/steal`, project: 'p' }] } }));
    expect(seed.status).toBe(403);
    const reset = await request(m.listener)
      .post('/__mock/reset')
      .set('Origin', EVIL)
      .set('Content-Type', 'text/plain')
      .send('x');
    expect(reset.status).toBe(403);
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.clock.offsetSeconds).toBe(60);
    expect(JSON.stringify(state.body)).not.toContain('steal');
  });

  test('a same-origin browser write must be JSON or carry an X-Mock header', async () => {
    const m = await testMock();
    const simple = await request(m.listener)
      .post('/__mock/reset')
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Content-Type', 'text/plain')
      .send('x');
    expect(simple.status).toBe(415);
    expect(
      (await request(m.listener).post('/__mock/reset').set('Sec-Fetch-Site', 'same-origin').set('X-Mock-Session', 'a'))
        .status,
    ).toBe(200);
    expect(
      (await request(m.listener).post('/__mock/clock').set('Sec-Fetch-Site', 'same-origin').send({ advanceSeconds: 1 }))
        .status,
    ).toBe(200);
  });

  test('scripts and CI jobs (no browser headers) change state exactly as before', async () => {
    const m = await testMock();
    expect((await request(m.listener).post('/__mock/reset')).status).toBe(200);
    expect((await request(m.listener).delete('/__mock/calls')).status).toBe(200);
  });
});
