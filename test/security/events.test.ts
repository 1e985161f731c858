/**
 * Finding 11 (issue "Safe to share"): a `/__mock/events` client that stops reading is dropped once its
 * buffer passes a bound, so paused tabs cannot grow the mock's memory; a client that reads keeps its stream.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CallRecord } from '../../src/journal/call-record.js';
import { MAX_BUFFERED_BYTES } from '../../src/admin/event-routes.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
let base: URL;
beforeAll(async () => {
  m = await testMock();
  base = new URL(await listen(m.server));
});
afterAll(() => {
  m.server.closeAllConnections();
  m.server.close();
});

let n = 0;
const big = (session: string): CallRecord => ({
  id: `sse-${++n}`,
  time: '2026-11-22T06:00:00.000Z',
  mockTime: 0,
  session,
  api: 'wx-push',
  operationId: 'receive',
  method: 'POST',
  path: '/wx/wxc/receive',
  query: {},
  request: { headers: {}, body: { raw_data: 'x'.repeat(60_000) } },
  response: { status: 200, headers: {}, body: {}, code: '200' },
  durationMs: 1,
  violations: [],
  scenarios: [],
  deliveries: [],
});

describe('GET /__mock/events backpressure', () => {
  test('a client that never reads is dropped once its buffer passes the bound; the journal lets go of it', async () => {
    const socket = connect(Number(base.port), base.hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /__mock/events?session=paused HTTP/1.1\r\nHost: ${base.host}\r\n\r\n`);
    // Read the response head, then stop reading (as a paused, backgrounded tab does).
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.pause();
    const closed = new Promise<void>((r) => (socket.once('close', () => r()), socket.on('error', () => r())));
    const before = (await m.journal.stats()).subscribers;
    expect(before).toBeGreaterThanOrEqual(1);
    // Far more than the bound plus what the kernel's socket buffers hold (a few MB on loopback).
    const most = Math.ceil((4 * MAX_BUFFERED_BYTES) / 60_000);
    let appended = 0;
    while ((await m.journal.stats()).subscribers === before && appended < most) {
      m.journal.append(big('paused'));
      appended++;
      if (appended % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect((await m.journal.stats()).subscribers).toBe(before! - 1);
    // Reading again drains what the kernel held, then the end: the mock closed the stream.
    socket.resume();
    await closed;
    socket.destroy();
  });
});
