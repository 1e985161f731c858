/**
 * Finding 7 of "Safe to share": in token mode a page on another port of the same host (SameSite does not
 * separate ports) cannot use the dashboard's cookie to change anything. Writes need the bearer token, or the
 * CSRF token bound to that dashboard login (`GET /__mock/csrf`, readable only by the dashboard's own origin).
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

const TOKEN = 's3cret-token';

async function login(m: Awaited<ReturnType<typeof testMock>>): Promise<string> {
  const res = await request(m.listener).get(`/__mock/ui/?admin_token=${TOKEN}`);
  expect(res.status).toBe(303);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe('token mode: the dashboard cookie alone changes nothing', () => {
  test('a write with only the cookie is refused; with the CSRF token of that login it is done', async () => {
    const m = await testMock({ adminToken: TOKEN });
    const cookie = await login(m);
    expect(cookie).not.toContain(TOKEN);
    expect((await request(m.listener).get('/__mock/state').set('Cookie', cookie)).status).toBe(200);

    const forged = await request(m.listener).post('/__mock/clock').set('Cookie', cookie).send({ advanceSeconds: 60 });
    expect(forged.status).toBe(403);
    expect(forged.headers['content-type']).toContain('application/problem+json');
    expect((await request(m.listener).get('/__mock/state').set('Cookie', cookie)).body.clock.offsetSeconds).toBe(0);

    const { csrfToken } = (await request(m.listener).get('/__mock/csrf').set('Cookie', cookie)).body as {
      csrfToken: string;
    };
    expect(csrfToken).toEqual(expect.any(String));
    const done = await request(m.listener)
      .post('/__mock/clock')
      .set('Cookie', cookie)
      .set('X-Mock-CSRF', csrfToken)
      .send({ advanceSeconds: 60 });
    expect(done.status).toBe(200);
    expect(
      (await request(m.listener).post('/__mock/reset').set('Cookie', cookie).set('X-Mock-CSRF', csrfToken)).status,
    ).toBe(200);
  });

  test("one login's CSRF token does not work with another login's cookie; a forged cookie is a 401", async () => {
    const m = await testMock({ adminToken: TOKEN });
    const mine = await login(m);
    const theirs = await login(m);
    const { csrfToken } = (await request(m.listener).get('/__mock/csrf').set('Cookie', theirs)).body as {
      csrfToken: string;
    };
    expect(
      (await request(m.listener).post('/__mock/reset').set('Cookie', mine).set('X-Mock-CSRF', csrfToken)).status,
    ).toBe(403);
    expect(
      (await request(m.listener).get('/__mock/state').set('Cookie', `contract_mock_admin=abc.${csrfToken}`)).status,
    ).toBe(401);
    expect((await request(m.listener).get('/__mock/state').set('Cookie', `contract_mock_admin=${TOKEN}`)).status).toBe(
      401,
    );
  });

  test('the bearer token needs no CSRF token (scripts, CI, report)', async () => {
    const m = await testMock({ adminToken: TOKEN });
    expect((await request(m.listener).post('/__mock/reset').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
    expect(
      (await request(m.listener).get('/__mock/csrf').set('Authorization', `Bearer ${TOKEN}`)).body.csrfToken,
    ).toBeNull();
  });

  test('a page on another port of the same host is refused even with the CSRF header guessed', async () => {
    const m = await testMock({ adminToken: TOKEN });
    const cookie = await login(m);
    const res = await request(m.listener)
      .post('/__mock/reset')
      .set('Host', '127.0.0.1:4010')
      .set('Origin', 'http://127.0.0.1:3000')
      .set('Sec-Fetch-Site', 'same-site')
      .set('Cookie', cookie)
      .set('X-Mock-CSRF', 'guess');
    expect(res.status).toBe(403);
  });
});
