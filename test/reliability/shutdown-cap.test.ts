/**
 * Graceful shutdown is capped: a call still in flight (here a body that never finishes arriving, which the
 * 30 s --request-timeout would otherwise wait for) does not hold the process past the grace period. serve
 * passes 10 s on SIGTERM / SIGINT; the cap is injected small here so no test waits 10 s.
 */
import { connect } from 'node:net';
import { expect, test } from 'vitest';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

test('shutdown with a call in flight ends within its cap, closing that connection', async () => {
  const m = await testMock();
  const url = new URL(await listen(m.server));
  const inFlight = new Promise<void>((resolve) => m.server.once('request', () => resolve()));
  const socket = connect(Number(url.port), url.hostname);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(
    'POST /v1/channel/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"appid":"demo',
  );
  await inFlight;
  const started = performance.now();
  const outcome = await Promise.race([
    m.shutdown(300).then(() => 'shut down'),
    new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 8 s'), 8000).unref()),
  ]);
  expect(outcome).toBe('shut down');
  expect(performance.now() - started).toBeLessThan(8000);
  await closed;
  expect(m.server.listening).toBe(false);
});
