/** The `X-Mock-Session` header: which session a request belongs to, and which ids are accepted. */
import type { IncomingMessage } from 'node:http';

export const SESSION_HEADER = 'x-mock-session';

/** `X-Mock-Session`, or `default`. Ids are printable ASCII up to 128 characters; anything else is refused upstream. */
export function sessionOf(req: IncomingMessage): string {
  const raw = req.headers[SESSION_HEADER];
  const id = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return id ? id : 'default';
}

export function validSessionId(id: string): boolean {
  return id.length <= 128 && /^[\x21-\x7e]+$/.test(id);
}
