/**
 * Findings 15, 16 and 19 of "Safe to share": the mock clock refuses non-finite moves and anything past 100
 * years; --request-timeout covers admin routes; error bodies never show the install path, and the dashboard
 * is sent with a CSP (frame-ancestors), X-Frame-Options and nosniff.
 */
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

const YEAR = 365.25 * 24 * 3600;

describe('mock clock bounds', () => {
  test.each([
    ['1e308', 1e308],
    ['101 years', 101 * YEAR],
  ])('advanceSeconds %s is a problem+json 400 and the clock does not move', async (_name, seconds) => {
    const m = await testMock();
    const res = await request(m.listener).post('/__mock/clock').send({ advanceSeconds: seconds });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.clock.offsetSeconds).toBe(0);
    expect(state.body.clock.formatted).toBe('2018-07-18 15:08:43');
  });

  test('99 years is accepted; moves that add up past 100 years are refused', async () => {
    const m = await testMock();
    expect(
      (
        await request(m.listener)
          .post('/__mock/clock')
          .send({ advanceSeconds: 99 * YEAR })
      ).status,
    ).toBe(200);
    expect(
      (
        await request(m.listener)
          .post('/__mock/clock')
          .send({ advanceSeconds: 2 * YEAR })
      ).status,
    ).toBe(400);
    expect((await request(m.listener).get('/__mock/state')).body.clock.formatted).toMatch(/^2117-/);
  });
});

describe('--request-timeout on admin routes', () => {
  test('a POST /__mock/state whose body stops arriving gets problem+json 408; the server keeps answering', async () => {
    const m = await testMock({ limits: { requestTimeoutMs: 300 } });
    const base = new URL(await listen(m.server));
    const answer = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: '/__mock/state',
          headers: { 'content-type': 'application/json', 'content-length': '1000' },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) });
        },
      );
      req.on('error', reject);
      req.write('{"platform-sync":');
    });
    expect(answer).toEqual({ status: 408, type: 'application/problem+json' });
    expect((await fetch(`${base.origin}/__mock/health`)).status).toBe(200);
    m.server.close();
  }, 10_000);
});

describe('error bodies and dashboard headers', () => {
  test.each([
    '/__mock/ui/%252e%252e/x',
    '/__mock/ui/%2e%2e/%2e%2e/package.json',
    '/__mock/ui/nope.js',
    '/__mock/ui/..%2f..%2fpackage.json',
  ])('%s names no install path', async (path) => {
    const m = await testMock();
    const res = await request(m.listener).get(path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toContain(packageRoot());
    expect(res.text).not.toContain('/src/admin');
  });

  test('the dashboard is sent with a CSP that forbids framing, X-Frame-Options and nosniff', async () => {
    const m = await testMock();
    for (const path of ['/__mock/ui/', '/__mock/ui/app.js']) {
      const res = await request(m.listener).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});
