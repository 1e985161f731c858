/**
 * contract-mock proxy under answers it cannot hold: an upstream answer larger than --max-body is relayed as it
 * streams, journaled as too large to validate (issue 25, finding 10); calls in flight are capped by --max-held
 * (finding 4), the one past the cap answered at once in the API's envelope while health answers.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { createProxy } from '../../src/verify/proxy.js';
import { listen } from '../helpers/listen.js';
import { loadContract } from '../helpers/mock.js';
import { servedContract } from '../helpers/served.js';

const WIDGETS = join(import.meta.dirname, '..', 'served', 'fixtures', 'widgets.openapi.json');
const CAP = 100_000;
const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** A local upstream on a free loopback port, answering with `answer`. */
async function upstream(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(answer);
  const url = await listen(server);
  closers.push(
    () => server.closeAllConnections(),
    () => server.close(),
  );
  return url;
}

async function proxied(
  target: string,
  options: Partial<Parameters<typeof createProxy>[0]> = {},
): Promise<{ url: string; proxy: ReturnType<typeof createProxy> }> {
  const proxy = createProxy({ contract: await loadContract(), target, log: () => {}, ...options });
  const url = await listen(proxy.server);
  closers.push(
    () => proxy.server.closeAllConnections(),
    () => proxy.server.close(),
  );
  return { url, proxy };
}

/** A JSON text of `size` bytes, different in every chunk so a lost or reordered chunk shows. */
function chunkOf(i: number, size: number): Buffer {
  return Buffer.from(`${String(i).padStart(8, '0')}${'x'.repeat(size - 8)}`);
}

describe('proxy: upstream answers larger than --max-body', () => {
  test('a 3x answer is relayed byte for byte and journaled as too large to validate, not as a network violation', async () => {
    const sent = createHash('sha256');
    const target = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 30; i++) {
        const chunk = chunkOf(i, CAP / 10);
        sent.update(chunk);
        res.write(chunk);
      }
      res.end();
    });
    const { url, proxy } = await proxied(target, { maxBodyBytes: CAP });
    const res = await fetch(`${url}/wx/push/queryPushProject`, { headers: { 'x-mock-session': 'big' } });
    const got = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(got.length).toBe(3 * CAP);
    expect(createHash('sha256').update(got).digest('hex')).toBe(sent.digest('hex'));
    const [call] = proxy.journal.query('big');
    expect(call!.response.body).toMatch(
      /^\(300000 bytes relayed, over the 100000-byte --max-body: too large to validate\) 00000000xxx/,
    );
    expect(call!.violations).toEqual([]);
  });

  test('an answer that never ends is relayed as it comes; when the client leaves, the upstream read stops', async () => {
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const target = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', upstreamClosed);
      let i = 0;
      const more = (): void => {
        while (!res.destroyed && res.write(chunkOf(i++, 10_000)));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    const { url, proxy } = await proxied(target, { maxBodyBytes: CAP });
    // The client reads 5x the cap, then goes away.
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${url}/wx/push/queryPushProject`,
        { headers: { 'x-mock-session': 'endless' } },
        (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
            if (n > 5 * CAP) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
      req.end();
    });
    await closed;
    // The record is written once the relay has ended.
    while (!proxy.journal.query('endless').length) await new Promise((resolve) => setImmediate(resolve));
    const [call] = proxy.journal.query('endless');
    expect(call!.response.body).toContain('too large to validate; the client closed the connection');
    expect(call!.violations.filter((v) => v.rule === 'network')).toEqual([]);
  });
});

describe('proxy: an upstream that breaks off while its answer is relayed', () => {
  test('is the one network violation: the client sees the cut, the record says after how many bytes', async () => {
    const target = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * CAP) });
      res.write(chunkOf(0, 2 * CAP), () => res.destroy());
    });
    const { url, proxy } = await proxied(target, { maxBodyBytes: CAP });
    const seen = await fetch(`${url}/wx/push/queryPushProject`, { headers: { 'x-mock-session': 'broken' } }).then(
      (res) =>
        res.arrayBuffer().then(
          () => 'whole',
          () => 'cut',
        ),
      () => 'cut',
    );
    expect(seen).toBe('cut');
    while (!proxy.journal.query('broken').length) await new Promise((resolve) => setImmediate(resolve));
    const [call] = proxy.journal.query('broken');
    expect(call!.response.body).toContain('too large to validate; the upstream answer broke off');
    expect(call!.violations.map((v) => v.rule)).toEqual(['network']);
  });
});

describe('proxy: request bodies larger than --max-body', () => {
  test('are not forwarded: the API parameter error, journaled with the size', async () => {
    let forwarded = 0;
    const target = await upstream((_req, res) => void (forwarded++, res.end('{}')));
    const { url, proxy } = await proxied(target, { maxBodyBytes: 1000 });
    const res = await fetch(`${url}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': 'big-request' },
      body: JSON.stringify({ appid: 'demo-app', secret: 'x'.repeat(2000) }),
    });
    expect(await res.json()).toEqual({ status: 402, message: '参数错误' });
    expect(res.headers.get('x-mock-violations')).toContain('over the 1000-byte limit');
    expect(forwarded).toBe(0);
    expect(proxy.journal.query('big-request')[0]!.violations.map((v) => v.rule)).toEqual(['max-body']);
  });
});

describe('proxy: --max-held', () => {
  test('with 2 calls waiting on the upstream, a third is answered at once in the API envelope with X-Mock-Limit; health answers', async () => {
    const waiting: ServerResponse[] = [];
    const target = await upstream((_req, res) => void waiting.push(res));
    const { url } = await proxied(target, { maxHeld: 2 });
    const held = [1, 2].map(() => fetch(`${url}/wx/push/queryPushProject`));
    while (waiting.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const extra = await fetch(`${url}/wx/push/queryPushProject`);
    expect(extra.headers.get('x-mock-limit')).toBe('max-held');
    // wx-push's server-error role: 10000 系统未知异常.
    expect(await extra.json()).toMatchObject({ code: '10000', message: expect.stringContaining('--max-held') });
    expect((await fetch(`${url}/__mock/health`)).status).toBe(200);
    for (const res of waiting) res.end(JSON.stringify({ code: 0, message: 'ok', success: true, data: [] }));
    for (const res of await Promise.all(held)) expect(res.status).toBe(200);
  });

  test('a call waiting on an upstream that never answers ends after the bound (502, a network violation), and frees its slot', async () => {
    const target = await upstream(() => {});
    const { url, proxy } = await proxied(target, { maxHeld: 1, timeoutMs: 50 });
    const res = await fetch(`${url}/wx/push/queryPushProject`, { headers: { 'x-mock-session': 'never' } });
    expect(res.status).toBe(502);
    expect(proxy.journal.query('never')[0]!.violations.map((v) => v.message)).toEqual([
      'upstream unreachable: no whole answer within 50 ms',
    ]);
    expect((await fetch(`${url}/wx/push/queryPushProject`)).headers.get('x-mock-limit')).toBeNull();
  });

  test('a served document: past --max-held its own 503 problem', async () => {
    const waiting: ServerResponse[] = [];
    const target = await upstream((_req, res) => void waiting.push(res));
    const proxy = createProxy({ contract: await servedContract([WIDGETS]), target, log: () => {}, maxHeld: 1 });
    const url = await listen(proxy.server);
    closers.push(
      () => proxy.server.closeAllConnections(),
      () => proxy.server.close(),
    );
    const held = fetch(`${url}/v1/widgets`);
    while (waiting.length < 1) await new Promise((resolve) => setImmediate(resolve));
    const extra = await fetch(`${url}/v1/widgets`);
    expect(extra.status).toBe(503);
    expect(extra.headers.get('content-type')).toContain('problem+json');
    expect(extra.headers.get('x-mock-limit')).toBe('max-held');
    waiting[0]!.end('{"items":[],"total":0}');
    expect((await held).status).toBe(200);
  });
});
