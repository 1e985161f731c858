/** CORS for the mocked APIs: any origin may call them (frontend dev servers run on other ports) and read the X-Mock-* headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPOSED_HEADERS } from './mock-headers.js';

/** Browsers call the mock from dev servers on other ports: allow any origin, expose the mock's headers. */
export function corsHeaders(req: IncomingMessage): string[] {
  const origin = req.headers.origin;
  return origin
    ? ['Access-Control-Allow-Origin', origin, 'Vary', 'Origin', 'Access-Control-Expose-Headers', EXPOSED_HEADERS]
    : ['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED_HEADERS];
}

/**
 * Answers a CORS preflight (echoing the headers asked for) allowing `methods` (every method the served documents
 * use, so a browser may PATCH a served document as curl does); true when it did.
 */
export function preflight(req: IncomingMessage, res: ServerResponse, methods: string): boolean {
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.writeHead(204, [
    ...corsHeaders(req),
    'Access-Control-Allow-Methods',
    methods,
    'Access-Control-Allow-Headers',
    String(req.headers['access-control-request-headers'] ?? 'Content-Type, X-Mock-Session, X-Mock-Scenario'),
    'Access-Control-Max-Age',
    '600',
  ]);
  res.end();
  return true;
}

/** The methods a preflight allows: every method the documents use, plus OPTIONS, in a stable order. */
export function corsMethods(methods: Iterable<string>): string {
  const all = new Set([...methods, 'OPTIONS']);
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  return [...order.filter((m) => all.has(m)), ...[...all].filter((m) => !order.includes(m)).sort()].join(', ');
}
