/**
 * `GET /`: a browser (Accept: text/html) is sent to the dashboard; any other client gets the served APIs as JSON
 * (name, title, base URL, spec URL). Answered by the listener in front of the pipeline, only when no served document
 * documents `GET /` itself. Owns this answer; the dashboard and the specs are the admin API's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiBasePath } from '../contract/api-base-path.js';
import type { Contract } from '../contract/compile-contract.js';
import { specListing } from '../contract/served-spec.js';
import { corsHeaders } from '../http/cors.js';

export const DASHBOARD_PATH = '/__mock/ui/';

/** GET or HEAD of `/` (with or without a query): one string compare for every other path. */
export function isRootRequest(req: IncomingMessage, url: string): boolean {
  return (url === '/' || url.startsWith('/?')) && (req.method === 'GET' || req.method === 'HEAD');
}

export interface ApiEntry {
  name: string;
  title: string;
  /** Where its operations live, e.g. `http://127.0.0.1:4010/v1`. */
  baseUrl: string;
  /** Its OpenAPI document as served, `servers` pointing at the mock (an admin route: the admin token under --admin-token). */
  specUrl: string;
}

/** Every served API with its URLs on `base` (`http://127.0.0.1:4010`). */
export function apiEntries(contract: Contract, base: string): ApiEntry[] {
  return specListing(contract).map((s) => ({
    name: s.api,
    title: s.title,
    baseUrl: base + apiBasePath(contract.apis.get(s.api)!),
    specUrl: base + s.url,
  }));
}

export function answerRoot(req: IncomingMessage, res: ServerResponse, contract: Contract): void {
  req.resume();
  if ((req.headers.accept ?? '').includes('text/html')) {
    res.writeHead(302, ['Location', DASHBOARD_PATH, 'Content-Length', '0', 'Cache-Control', 'no-store']);
    res.end();
    return;
  }
  // The Host the client used (a bare request has none): the URLs work from where it stands.
  const base = `http://${req.headers.host ?? '127.0.0.1'}`;
  const text = JSON.stringify(
    { apis: apiEntries(contract, base), dashboard: base + DASHBOARD_PATH, health: `${base}/__mock/health` },
    null,
    2,
  );
  res.writeHead(200, [
    ...corsHeaders(req),
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(text)),
    'Cache-Control',
    'no-store',
  ]);
  res.end(req.method === 'HEAD' ? undefined : text);
}
