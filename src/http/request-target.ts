/** The parts of a request line the pipeline and the proxy route on: method, path and query string. */
import type { IncomingMessage } from 'node:http';

export interface RequestTarget {
  method: string;
  /** The path and query as sent. */
  url: string;
  pathname: string;
  /** The query string without `?`. */
  search: string;
}

export function requestTarget(req: IncomingMessage): RequestTarget {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url,
    pathname: q === -1 ? url : url.slice(0, q),
    search: q === -1 ? '' : url.slice(q + 1),
  };
}
