/**
 * Finding 1 of "Safe to share": no request ends the process. A malformed admin cookie or token is a 401, and a
 * handler that throws is answered (problem+json on the admin API, the API's own server-error envelope on the
 * API paths) and logged, never thrown out of the listener. Proven against a real `serve` process.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serveProcess, type ServeProcess } from '../helpers/serve-process.js';
import { testMock } from '../helpers/mock.js';

let serve: ServeProcess;
beforeAll(async () => {
  // 127.0.0.2 is loopback too, but not the default address: the shape of a team server.
  serve = await serveProcess(['--admin-token', 'T'], { host: '127.0.0.2' });
});
afterAll(() => serve.stop());

describe('a token-protected serve survives malformed credentials', () => {
  test.each([
    ['a cookie that is not URI-encoded', '/__mock/calls', { cookie: 'contract_mock_admin=%' }],
    ['a login token that is not URI-encoded', '/__mock/ui/?admin_token=%', {}],
    ['a login token with a broken escape after a good one', '/__mock/ui/?x=1&admin_token=T%E0%A4%A', {}],
    ['a cookie with a lone surrogate escape', '/__mock/state', { cookie: 'a=b; contract_mock_admin=%ED%A0%80' }],
  ])('%s is a 401 and the process keeps answering', async (_name, path, headers) => {
    const res = await fetch(serve.url + path, { headers, redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const health = await fetch(`${serve.url}/__mock/health`, { headers: { authorization: 'Bearer T' } });
    expect(health.status).toBe(200);
    expect(serve.alive()).toBe(true);
  });
});

describe('an exception while handling a request is answered and logged', () => {
  test('an admin route that throws answers problem+json 500 and the server keeps serving', async () => {
    const logs: string[] = [];
    const m = await testMock({ log: (line) => logs.push(line) });
    // Break the store under the admin API: every state read now throws.
    m.store.session('boom').dump = () => {
      throw new Error('disk on fire');
    };
    const res = await request(m.listener).get('/__mock/state').set('X-Mock-Session', 'boom');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.detail).not.toContain('disk on fire');
    expect(logs.join('\n')).toContain('disk on fire');
    expect((await request(m.listener).get('/__mock/health')).status).toBe(200);
  });

  test("an API call whose handler throws gets the API's own server-error envelope, and the next call works", async () => {
    const logs: string[] = [];
    const m = await testMock({ log: (line) => logs.push(line) });
    // A store whose open() throws: a bug below the pipeline, not a business error.
    const open = m.store.open.bind(m.store);
    let broken = true;
    m.store.open = (id) => {
      if (broken) throw new Error('store exploded');
      return open(id);
    };
    const res = await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' });
    const dialect = m.contract.apis.get('platform-sync')!.dialect;
    expect(res.body).toEqual(
      dialect.error(dialect.role('serverError'), {
        op: m.contract.operations.find((o) => o.operationId === 'channelToken'),
      }),
    );
    expect(logs.join('\n')).toContain('store exploded');
    broken = false;
    expect(
      (await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' })).body
        .status,
    ).toBe(200);
  });

  test('a listener that throws before any route (a broken admin app) still answers', async () => {
    const logs: string[] = [];
    const m = await testMock({ log: (line) => logs.push(line) });
    const res = await request(m.listener).get('/__mock/calls').set('X-Mock-Session', 'ok');
    expect(res.status).toBe(200);
    m.store.open = () => {
      throw new Error('open failed');
    };
    const broken = await request(m.listener).get('/__mock/calls').set('X-Mock-Session', 'ok');
    expect(broken.status).toBe(500);
    expect(broken.headers['content-type']).toContain('application/problem+json');
    expect(logs.join('\n')).toContain('open failed');
  });
});
