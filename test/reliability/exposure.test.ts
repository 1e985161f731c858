/** Safe exposure: the admin API behind a token (bearer or the dashboard's cookie), and bounded push deliveries. */
import { createServer } from 'node:http';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { deliver } from '../../src/deliveries/deliver.js';
import { testMock } from '../helpers/mock.js';

describe('admin token', () => {
  test('admin routes need the bearer token; the APIs do not; a wrong token of any length is refused', async () => {
    const m = await testMock({ adminToken: 's3cret-token' });
    expect((await request(m.listener).get('/__mock/state')).status).toBe(401);
    expect((await request(m.listener).get('/__mock/state').set('Authorization', 'Bearer s3cret-tokeX')).status).toBe(
      401,
    );
    expect((await request(m.listener).get('/__mock/state').set('Authorization', 'Bearer s')).status).toBe(401);
    expect((await request(m.listener).get('/__mock/state').set('Authorization', 'Bearer s3cret-token')).status).toBe(
      200,
    );
    expect((await request(m.listener).get('/wx/push/queryPushProject')).body.success).toBe(true);
  });

  test('the dashboard: /__mock/ui/?admin_token=T sets an HttpOnly same-site cookie that then opens the admin API', async () => {
    const m = await testMock({ adminToken: 's3cret-token' });
    expect((await request(m.listener).get('/__mock/ui/?admin_token=wrong')).status).toBe(401);
    const login = await request(m.listener).get('/__mock/ui/?admin_token=s3cret-token');
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const pair = cookie.split(';')[0]!;
    expect((await request(m.listener).get('/__mock/scenarios').set('Cookie', pair)).status).toBe(200);
    expect((await request(m.listener).get('/__mock/ui/').set('Cookie', pair)).status).toBe(200);
  });
});

describe('push deliveries', () => {
  test('a push target that never answers is cut off after the timeout and recorded as such', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`;
    const outcome = await deliver({ url, body: { event: 'x' } }, 0, { timeoutMs: 100, maxBodyBytes: 1000 });
    expect(outcome).toMatchObject({ ok: false, error: 'no answer within 100 ms' });
    silent.closeAllConnections();
    silent.close();
  });

  test('an event over the size cap is not sent', async () => {
    const outcome = await deliver({ url: 'http://127.0.0.1:9/hook', body: { raw_data: 'x'.repeat(5000) } }, 0, {
      timeoutMs: 100,
      maxBodyBytes: 1000,
    });
    expect(outcome).toMatchObject({ ok: false, error: 'body over 1000 bytes, not sent' });
  });

  test('deliveries go only to registered projects of the session, never to an address the event names', async () => {
    const m = await testMock();
    await request(m.listener)
      .post('/wx/wxc/receive')
      .send({ event: 'x', raw_data: 'http://127.0.0.1:9/evil', app_key: 'http://127.0.0.1:9/', school_code: 's' });
    await m.pipeline.settled();
    expect(m.calls.at(-1)!.deliveries).toEqual([]);
  });
});
