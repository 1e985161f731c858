/** Outgoing deliveries (wx-push receive → push-project urls): to allowed destinations only, bounded in time, size and number, never throwing. */
import { exactJson } from '../contract/exact-json.js';
import type { Delivery, DeliveryOutcome } from '../apis/api-module.js';
import { deliveryAllowList, type DeliveryAllowList } from './delivery-allow-list.js';

export interface DeliveryOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** Most deliveries one call sends (serve --max-deliveries); the rest are journaled as not delivered. */
  maxPerCall: number;
  /** Where deliveries may go (loopback unless widened); default loopback only. */
  allow?: DeliveryAllowList;
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
}

export const DEFAULT_MAX_DELIVERIES = 50;

/** Sends one delivery, or says why it was not sent. The outcome does not repeat the body (the call's record holds it once). */
export async function deliver(delivery: Delivery, at: number, options: Omit<DeliveryOptions, 'maxPerCall'> & { maxPerCall?: number }): Promise<DeliveryOutcome> {
  const started = performance.now();
  const done = (o: Partial<DeliveryOutcome>): DeliveryOutcome => ({
    url: delivery.url,
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
  const refusal = (options.allow ?? deliveryAllowList()).refusal(url);
  if (refusal) return done({ error: refusal, refused: 'not-allowed' });
  if (delivery.simulatedFailure) return done({ error: delivery.simulatedFailure });
  const payload = exactJson.stringify(delivery.body);
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

/** Delivers a call's list: the first `maxPerCall` in parallel, the rest journaled as not delivered. */
export function deliverAll(list: readonly Delivery[], at: number, options: DeliveryOptions): Promise<DeliveryOutcome[]> {
  const max = options.maxPerCall;
  const sent = list.slice(0, max).map((d) => deliver(d, at, options));
  const skipped = list.slice(max).map(
    (d): DeliveryOutcome => ({ url: d.url, at, ok: false, durationMs: 0, refused: 'max-deliveries', error: `not delivered: this call had ${list.length} deliveries and at most ${max} are sent per call (serve --max-deliveries)` }),
  );
  return Promise.all(sent).then((outcomes) => [...outcomes, ...skipped]);
}
