/**
 * Finding 2 of "Safe to share": a flood of random X-Mock-Session ids cannot lock anyone out. New sessions are
 * admitted (a one-call session is evicted to make room, counted in health), health and the admin API never
 * answer 503, `POST /__mock/reset` works on a new id, and a session in use keeps its state through the flood.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

const TOKEN_BODY = { appid: 'demo-app', secret: 'demo-secret' };

describe('a session flood', () => {
  test('fills the table with one-call sessions; new sessions, health, reset and a session in use all keep working', async () => {
    const m = await testMock({ maxSessions: 20, sessionIdleMs: 600_000 });
    // A session in use before the flood: used more than once, with state of its own (its clock moved twice).
    for (let i = 0; i < 2; i++)
      expect(
        (await request(m.listener).post('/__mock/clock').set('X-Mock-Session', 'ci-job').send({ advanceSeconds: 100 }))
          .status,
      ).toBe(200);

    for (let i = 0; i < 100; i++) {
      const res = await request(m.listener)
        .post('/v1/channel/token')
        .set('X-Mock-Session', `flood-${i}`)
        .send(TOKEN_BODY);
      expect(res.body.status).toBe(200);
    }

    const fresh = await request(m.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Session', 'new-developer')
      .send(TOKEN_BODY);
    expect(fresh.body.status).toBe(200);
    expect(fresh.headers['x-mock-limit']).toBeUndefined();

    const health = await request(m.listener).get('/__mock/health');
    expect(health.status).toBe(200);
    expect(health.body.sessions).toMatchObject({ max: 20 });
    expect(health.body.sessions.held).toBeLessThanOrEqual(20);
    expect(health.body.sessions.evicted).toBeGreaterThanOrEqual(80);

    const reset = await request(m.listener).post('/__mock/reset').set('X-Mock-Session', 'brand-new-id');
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ session: 'brand-new-id', reset: true });

    const state = await request(m.listener).get('/__mock/state').set('X-Mock-Session', 'ci-job');
    expect(state.status).toBe(200);
    expect(state.body.clock.offsetSeconds).toBe(200);
  }, 60_000);

  test('health answers 200 without a session even when the table is full of sessions in use', async () => {
    const m = await testMock({ maxSessions: 5, sessionIdleMs: 600_000 });
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 2; j++)
        await request(m.listener).post('/v1/channel/token').set('X-Mock-Session', `busy-${i}`).send(TOKEN_BODY);
    expect((await request(m.listener).get('/__mock/health')).status).toBe(200);
    expect((await request(m.listener).get('/__mock/calls').set('X-Mock-Session', 'one-more')).status).toBe(200);
    // The least recently used session in use made room, and that is counted.
    expect((await request(m.listener).get('/__mock/health')).body.sessions.evicted).toBe(1);
  });
});
