/** The deliveries a handler queued (webhooks), run after the answer was sent and its record written. */
import type { IncomingMessage } from 'node:http';
import type { Delivery } from '../apis/api-module.js';
import type { CallRecord } from '../journal/call-record.js';
import { DELIVERY_HEADER, deliverAll, type DeliverySource } from '../deliveries/deliver.js';
import { headerValue, type Walk } from './walk.js';

/**
 * The handler's deliveries, run after the answer was sent and its record written (at most
 * --max-deliveries of them, to allowed destinations); tracked so shutdown can wait for them.
 */
export function runDeliveries(
  w: Walk,
  record: CallRecord,
  list: Delivery[],
  at: number,
  source: DeliverySource,
): Promise<void> {
  const p = deliverAll(list, at, w.options.delivery, source).then((outcomes) =>
    w.options.onDeliveries?.(record, outcomes),
  );
  w.pending.add(p);
  void p.finally(() => w.pending.delete(p));
  return p;
}

/** Where a call that delivers came in (its port is the mock's own, whoever listens) and whether it was a delivery itself. */
export function deliverySource(callId: string, req: IncomingMessage): DeliverySource {
  const { localAddress, localPort } = req.socket;
  const marker = req.headers[DELIVERY_HEADER];
  return {
    callId,
    ...(localAddress !== undefined &&
      localPort !== undefined && { arrivedAt: { address: localAddress, port: localPort } }),
    ...(marker !== undefined && { marker: headerValue(marker) }),
  };
}
