/** Network faults as the client sees them on the socket, and gateway errors; the server stays healthy. */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
beforeAll(async () => {
  m = await testMock();
  base = await listen(m.server);
});
afterAll(() => {
  m.close();
  m.server.close();
});

interface Seen {
  status?: number;
  type?: string;
  body?: string;
  error?: string;
}

/** One request with node:http, reporting exactly what happened on the socket. */
function call(scenario: string, timeoutMs = 5000): Promise<Seen> {
  return new Promise((resolve) => {
    const url = new URL('/v1/channel/token', base);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mock-scenario': scenario,
          'x-mock-session': `fault-${scenario}`,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
        res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('client gave up'), { code: 'CLIENT_TIMEOUT' })),
    );
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }));
  });
}

describe('faults', () => {
  test('connection-reset: the client sees ECONNRESET and no answer', async () => {
    expect(await call('connection-reset')).toEqual({ error: 'ECONNRESET' });
  });

  test('empty-response: the connection closes without a byte ("socket hang up")', async () => {
    const seen = await call('empty-response');
    expect(seen.status).toBeUndefined();
    expect(['ECONNRESET', 'socket hang up']).toContain(seen.error);
  });

  test('malformed-json: HTTP 200, application/json, and a body that does not parse', async () => {
    const seen = await call('malformed-json');
    expect(seen.status).toBe(200);
    expect(seen.type).toContain('application/json');
    expect(seen.body!.startsWith('{"status":200')).toBe(true);
    expect(() => JSON.parse(seen.body!)).toThrow();
  });

  test('timeout: no answer until the client gives up; the held connection is released when it does', async () => {
    const seen = await call('request-timeout', 300);
    expect(seen).toEqual({ error: 'CLIENT_TIMEOUT' });
    // The server learns of the close from the socket; wait for that event rather than a fixed time.
    await new Promise<void>((resolve) => {
      const check = (): void => void (m.pipeline.hanging().size === 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(m.pipeline.hanging().size).toBe(0);
  });

  test('a gateway HTTP error: the HTML page nginx would send', async () => {
    const seen = await call('server-error');
    expect(seen.status).toBe(500);
    expect(seen.type).toBe('text/html');
    expect(seen.body).toContain('<center><h1>500 Internal Server Error</h1></center>');
  });

  test('the journal records each fault, and the server answers normally afterwards', async () => {
    await call('connection-reset');
    const calls = await m.journal.query('fault-connection-reset');
    expect(calls.at(-1)!.response).toMatchObject({ status: 0, fault: 'connection-reset' });
    expect(calls.at(-1)!.scenarios).toEqual([{ scenario: 'connection-reset', rule: 0 }]);
    const ok = await fetch(`${base}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });
    expect(((await ok.json()) as { status: number }).status).toBe(200);
  });
});
