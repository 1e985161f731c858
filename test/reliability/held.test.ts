/** Answers held on purpose (timeout faults, scenario delays) are capped in number and in time; health and other clients keep being answered (issue 25, finding 4). */
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';
import { servedMock } from '../helpers/served.js';
import { listen } from '../helpers/listen.js';
import type { Mock } from '../../src/server/create-mock.js';

const WIDGETS = join(import.meta.dirname, '..', 'served', 'fixtures', 'widgets.openapi.json');
const TOKEN = JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' });

const mocks: Mock[] = [];
afterEach(() => {
  for (const m of mocks.splice(0)) {
    m.close();
    m.server.close();
  }
});

interface Seen {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  error?: string;
}

/** One request over a real socket, reporting what happened on it (an answer, or the error that ended it). */
function call(
  base: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  clientTimeoutMs = 10_000,
): Promise<Seen> {
  return new Promise((resolve) => {
    const req = httpRequest(
      new URL(path, base),
      { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
        res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      },
    );
    req.setTimeout(clientTimeoutMs, () =>
      req.destroy(Object.assign(new Error('client gave up'), { code: 'CLIENT_TIMEOUT' })),
    );
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(body);
  });
}

/** Resolves once `ok()` holds, checking on each turn of the event loop (the server learns of sockets through events). */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((resolve) => setImmediate(resolve));
}

describe('held answers', () => {
  test('with --max-held 2, a third timeout fault is answered at once in the API envelope with X-Mock-Limit, and health answers', async () => {
    const m = await testMock({ limits: { maxHeld: 2 } });
    mocks.push(m);
    const base = await listen(m.server);
    const held = [1, 2].map(() => call(base, '/v1/channel/token', { 'x-mock-scenario': 'request-timeout' }, TOKEN));
    await until(() => m.pipeline.hanging().size === 2);
    const extra = await call(base, '/v1/channel/token', { 'x-mock-scenario': 'request-timeout' }, TOKEN);
    expect(extra.status).toBe(200);
    expect(extra.headers!['x-mock-limit']).toBe('max-held');
    // platform-sync's server-error role: 404 异常错误.
    expect(JSON.parse(extra.body!)).toMatchObject({ status: 404 });
    expect(JSON.parse(extra.body!).message).toContain('--max-held');
    const health = await call(base, '/__mock/health', {});
    expect(health.status).toBe(200);
    // A call that holds nothing is answered as usual.
    expect(JSON.parse((await call(base, '/v1/channel/token', {}, TOKEN)).body!).status).toBe(200);
    // Once the held ones are gone, the slots are free again.
    for (const res of m.pipeline.hanging()) res.destroy();
    await Promise.all(held);
    expect(m.pipeline.held()).toBe(0);
    expect(m.calls.at(-2)!.response.headers['X-Mock-Limit']).toBe('max-held');
  });

  test('scenario delays take slots too: the one past the cap is answered at once, the delayed ones after their delay', async () => {
    const waiting: Array<{ ms: number; go: () => void }> = [];
    const m = await testMock({
      limits: { maxHeld: 2, maxHoldMs: 1000 },
      sleep: (ms) => new Promise<void>((go) => waiting.push({ ms, go })),
    });
    mocks.push(m);
    const base = await listen(m.server);
    const slow = [1, 2].map(() => call(base, '/v1/channel/token', { 'x-mock-scenario': 'slow-network' }, TOKEN));
    await until(() => waiting.length === 2);
    const extra = await call(base, '/v1/channel/token', { 'x-mock-scenario': 'slow-network' }, TOKEN);
    expect(extra.headers!['x-mock-limit']).toBe('max-held');
    // slow-network waits 1.5-4 s: cut to --max-hold.
    expect(waiting.map((w) => w.ms)).toEqual([1000, 1000]);
    waiting.forEach((w) => w.go());
    for (const seen of await Promise.all(slow)) expect(JSON.parse(seen.body!).status).toBe(200);
    expect(m.pipeline.held()).toBe(0);
  });

  test('a timeout fault holds the connection at most --max-hold, then closes it without an answer', async () => {
    const m = await testMock({ limits: { maxHoldMs: 50 } });
    mocks.push(m);
    const base = await listen(m.server);
    const seen = await call(base, '/v1/channel/token', { 'x-mock-scenario': 'request-timeout' }, TOKEN);
    expect(seen.status).toBeUndefined();
    expect(['ECONNRESET', 'socket hang up']).toContain(seen.error);
    await until(() => m.pipeline.hanging().size === 0);
    expect(m.pipeline.held()).toBe(0);
  });

  test('a served document: past --max-held its own 503 problem, with X-Mock-Limit', async () => {
    const m = await servedMock([WIDGETS], { limits: { maxHeld: 1 } });
    mocks.push(m);
    const base = await listen(m.server);
    const held = call(base, '/v1/widgets', { 'x-mock-scenario': 'request-timeout' });
    await until(() => m.pipeline.hanging().size === 1);
    const extra = await call(base, '/v1/widgets', { 'x-mock-scenario': 'request-timeout' });
    expect(extra.status).toBe(503);
    expect(extra.headers!['x-mock-limit']).toBe('max-held');
    expect(extra.headers!['content-type']).toContain('problem+json');
    expect(JSON.parse(extra.body!)).toMatchObject({ status: 503, detail: expect.stringContaining('--max-held') });
    expect((await call(base, '/__mock/health', {})).status).toBe(200);
    for (const res of m.pipeline.hanging()) res.destroy();
    await held;
  });
});
