/**
 * `GET /__mock/ready`: what a load balancer checks in token mode, where health wants the token. Answered without
 * it, with nothing but ready or not: 200 `{"ready":true}`, 503 `{"ready":false}` while the store is down.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { MemoryStore } from '../../src/state/memory-store.js';
import { fixedClock, type StoreHealth } from '../../src/state/store.js';
import { createProxy } from '../../src/verify/proxy.js';
import { loadContract, T0, testMock } from '../helpers/mock.js';

const TOKEN = 'ready-test-token';

/** A store that reports itself down, as a Redis store does when Redis does not answer. */
class DownStore extends MemoryStore {
  async health(): Promise<StoreHealth> {
    return { backend: 'redis', status: 'down', error: 'Connection is closed (redis://:hunter2@10.0.0.5:6379)' };
  }
}

describe('GET /__mock/ready', () => {
  test('in token mode: 200 without the token, revealing nothing but ready, where health is 401', async () => {
    const mock = await testMock({ adminToken: TOKEN });
    expect((await request(mock.listener).get('/__mock/health')).status).toBe(401);
    // A load balancer's Host may be any name it was configured with; ready tells it nothing the Host check guards.
    const res = await request(mock.listener).get('/__mock/ready').set('Host', 'backend-a.internal:4010');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe('{"ready":true}');
    expect((await request(mock.listener).head('/__mock/ready')).status).toBe(200);
    // Only GET and HEAD: anything else is an admin request like any other.
    expect((await request(mock.listener).post('/__mock/ready')).status).toBe(401);
  });

  test('503 {"ready":false} while the store is down, saying nothing of why or where', async () => {
    const store = new DownStore({
      clock: fixedClock(T0),
      seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }),
    });
    const mock = await testMock({ adminToken: TOKEN, store });
    const res = await request(mock.listener).get('/__mock/ready');
    expect(res.status).toBe(503);
    expect(res.text).toBe('{"ready":false}');
  });

  test('the proxy answers it too, without the token', async () => {
    const proxy = createProxy({
      contract: await loadContract(),
      target: 'http://127.0.0.1:9',
      guard: { adminToken: TOKEN },
      log: () => {},
    });
    const res = await request(proxy.listener).get('/__mock/ready');
    expect([res.status, res.text]).toEqual([200, '{"ready":true}']);
    expect((await request(proxy.listener).get('/__mock/health')).status).toBe(401);
  });
});
