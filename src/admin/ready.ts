/**
 * `GET /__mock/ready`: the readiness check a load balancer can use without the admin token. It says ready or
 * not ready and nothing else (no version, counts, APIs or store address), so it is answered before the admin
 * guard. Whether the instance is ready is decided by its caller (health's rule); this owns only the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const READY = '{"ready":true}';
const NOT_READY = '{"ready":false}';

/** GET or HEAD of `/__mock/ready` (with or without a query). */
export function isReadyRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return (
    (req.method === 'GET' || req.method === 'HEAD') && (url === '/__mock/ready' || url.startsWith('/__mock/ready?'))
  );
}

/** 200 `{"ready":true}` or 503 `{"ready":false}`; never cached. */
export function answerReady(res: ServerResponse, ready: boolean): void {
  const text = ready ? READY : NOT_READY;
  res.writeHead(ready ? 200 : 503, [
    'Content-Type',
    'application/json; charset=utf-8',
    'Cache-Control',
    'no-store',
    'Content-Length',
    String(text.length),
    ...(ready ? [] : ['Retry-After', '1']),
  ]);
  res.end(text);
}
