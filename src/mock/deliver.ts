/** Outgoing deliveries (wx-push receive → push-project urls): bounded in time and size, never throwing. */
import type { Delivery, DeliveryOutcome } from '../apis/api-module.js';

export interface DeliveryOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
}

export async function deliver(delivery: Delivery, at: number, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const started = performance.now();
  const done = (o: Partial<DeliveryOutcome>): DeliveryOutcome => ({
    ...delivery,
    at,
    ok: false,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    ...o,
  });
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    return done({ error: `not an absolute http(s) URL: ${delivery.url}` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return done({ error: `unsupported scheme ${url.protocol}` });
  if (delivery.simulatedFailure) return done({ error: delivery.simulatedFailure });
  const payload = JSON.stringify(delivery.body);
  if (Buffer.byteLength(payload) > options.maxBodyBytes) return done({ error: `body over ${options.maxBodyBytes} bytes, not sent` });
  try {
    const res = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'manual',
    });
    await res.body?.cancel();
    return done({ ok: res.ok, status: res.status });
  } catch (e) {
    const err = e as Error;
    return done({ error: err.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : `${err.message}${err.cause ? `: ${(err.cause as Error).message}` : ''}` });
  }
}
