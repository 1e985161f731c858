/** --request-timeout on the admin API: a body that has not fully arrived in time gets problem+json 408 and its connection is closed. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { REFUSALS, writeRefusal } from './problem.js';

/** Arms a one-shot timer for this admin request; cleared when the request ends or closes (admin calls are not the hot path). */
export function bodyDeadline(
  req: IncomingMessage,
  res: ServerResponse,
  timeoutMs: number,
  headers: string[] = [],
): void {
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (!res.headersSent) {
      writeRefusal(
        res,
        REFUSALS.requestTimeout,
        `The body of ${req.method} ${(req.url ?? '').split('?')[0]} did not arrive within ${timeoutMs} ms (--request-timeout).`,
        [...headers, 'Connection', 'close'],
      );
    }
    res.once('finish', () => req.destroy());
    if (res.writableEnded && res.writableFinished) req.destroy();
  }, timeoutMs);
  timer.unref();
  const clear = (): void => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
  res.once('close', clear);
}
