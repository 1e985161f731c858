/**
 * Outgoing deliveries (wx-push receive → push-project urls): to allowed destinations only, never to the mock
 * itself or an admin path, never on behalf of a call that was itself a delivery; bounded in time, size and
 * number, never throwing.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Delivery, DeliveryOutcome } from '../apis/api-module.js';
import { deliveryAllowList, type DeliveryAllowList } from './delivery-allow-list.js';
import { selfTarget, type ListenAddress } from './self-target.js';

/** Marks every delivery (its value: the id of the call that caused it); a call that carries it forwards nothing. */
export const DELIVERY_HEADER = 'x-mock-delivery';

export interface DeliveryOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** Most deliveries one call sends (serve --max-deliveries); the rest are journaled as not delivered. */
  maxPerCall: number;
  /** Where deliveries may go (loopback unless widened); default loopback only. */
  allow?: DeliveryAllowList;
  /** Where the mock listens, read when a call delivers (the port is known only once listening). */
  listening?: () => readonly ListenAddress[];
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
}

/** The call deliveries come from: its record id, the address it arrived at, and its own X-Mock-Delivery if it was a delivery. */
export interface DeliverySource {
  callId: string;
  arrivedAt?: ListenAddress;
  marker?: string;
}

export const DEFAULT_MAX_DELIVERIES = 50;

/** Sends one delivery, or says why it was not sent. The outcome does not repeat the body (the call's record holds it once). */
export async function deliver(
  delivery: Delivery,
  at: number,
  options: Omit<DeliveryOptions, 'maxPerCall'> & { maxPerCall?: number },
  source?: DeliverySource,
): Promise<DeliveryOutcome> {
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
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return done({ error: `unsupported scheme ${url.protocol}` });
  // Before the allow-list: loopback is allowed, but never the mock's own port, nor an admin API anywhere.
  const self = selfTarget(
    url,
    source?.arrivedAt ? [...(options.listening?.() ?? []), source.arrivedAt] : (options.listening?.() ?? []),
  );
  if (self) return done(self);
  const refusal = (options.allow ?? deliveryAllowList()).refusal(url);
  if (refusal) return done({ error: refusal, refused: 'not-allowed' });
  if (delivery.simulatedFailure) return done({ error: delivery.simulatedFailure });
  const payload = exactJson.stringify(delivery.body);
  if (Buffer.byteLength(payload) > options.maxBodyBytes)
    return done({ error: `body over ${options.maxBodyBytes} bytes, not sent` });
  try {
    const res = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        [DELIVERY_HEADER]: source?.callId ?? 'contract-mock',
      },
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'manual',
    });
    await res.body?.cancel();
    return done({ ok: res.ok, status: res.status });
  } catch (e) {
    const err = e as Error;
    return done({
      error:
        err.name === 'TimeoutError'
          ? `no answer within ${options.timeoutMs} ms`
          : `${err.message}${err.cause ? `: ${(err.cause as Error).message}` : ''}`,
    });
  }
}

/**
 * Delivers a call's list: the first `maxPerCall` in parallel, the rest journaled as not delivered. A call
 * that was itself a delivery (it carries X-Mock-Delivery) forwards nothing: two mocks pointing at each
 * other, or a proxy between them, stop after one hop.
 */
export function deliverAll(
  list: readonly Delivery[],
  at: number,
  options: DeliveryOptions,
  source?: DeliverySource,
): Promise<DeliveryOutcome[]> {
  if (source?.marker !== undefined) {
    const from = source.marker.slice(0, 64).replace(/[^\x21-\x7e]/g, '?');
    const error = `not delivered: this call was itself a delivery (X-Mock-Delivery: ${from}); a delivery is answered but never forwarded, so mocks pointing at each other cannot loop`;
    return Promise.resolve(
      list.map((d): DeliveryOutcome => ({ url: d.url, at, ok: false, durationMs: 0, refused: 'from-delivery', error })),
    );
  }
  const max = options.maxPerCall;
  const sent = list.slice(0, max).map((d) => deliver(d, at, options, source));
  const skipped = list.slice(max).map((d): DeliveryOutcome => ({
    url: d.url,
    at,
    ok: false,
    durationMs: 0,
    refused: 'max-deliveries',
    error: `not delivered: this call had ${list.length} deliveries and at most ${max} are sent per call (serve --max-deliveries)`,
  }));
  return Promise.all(sent).then((outcomes) => [...outcomes, ...skipped]);
}
