/**
 * GET /__mock/events is capped: at most MAX_EVENT_CLIENTS streams at once, the next answered problem+json 503
 * (with Retry-After); a stream that closes frees its place.
 */
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MAX_EVENT_CLIENTS } from '../../src/admin/event-routes.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
beforeAll(async () => {
  m = await testMock();
  base = await listen(m.server);
});
afterAll(() => {
  m.server.closeAllConnections();
  m.server.close();
});

/** Opens a stream on a connection of its own; resolves with the answer's status once its first bytes arrive. */
function open(): Promise<{ req: ClientRequest; res: IncomingMessage; status: number; text: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = get(`${base}/__mock/events?session=capped`, { agent: false }, (res) => {
      const text = new Promise<string>((done) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => done(t));
        res.on('close', () => done(t));
      });
      res.once('data', () => resolve({ req, res, status: res.statusCode!, text }));
    });
    req.on('error', reject);
  });
}

test(`at most ${MAX_EVENT_CLIENTS} streams at once; the next is a problem+json 503; a closed stream frees its place`, async () => {
  const streams = [];
  for (let i = 0; i < MAX_EVENT_CLIENTS; i++) streams.push(await open());
  expect(streams.every((s) => s.status === 200)).toBe(true);
  const refused = await open();
  expect(refused.status).toBe(503);
  expect(refused.res.headers['content-type']).toContain('application/problem+json');
  expect(refused.res.headers['retry-after']).toBe('10');
  expect(JSON.parse(await refused.text)).toMatchObject({ status: 503, title: 'Too many event clients' });
  // Health is not an event stream: never refused for it.
  expect((await fetch(`${base}/__mock/health`)).status).toBe(200);
  streams.pop()!.req.destroy();
  // The server sees the close after a round trip or two: each try is a request, not a sleep.
  let again = await open();
  for (let tries = 0; again.status !== 200 && tries < 100; tries++) again = await open();
  expect(again.status).toBe(200);
  for (const s of [...streams, again]) s.req.destroy();
});
