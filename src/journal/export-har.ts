/** HAR 1.2 export of journaled calls (http://www.softwareishard.com/blog/har-12-spec/), with contract-mock's own `_`-prefixed fields. */
import type { CallRecord } from './call-record.js';

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

const pairs = (o: Record<string, unknown>): Array<{ name: string; value: string }> =>
  Object.entries(o).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }));

/** The request body as text: JSON bodies re-serialised, form bodies re-encoded (JSON-in-form fields as JSON strings). */
function bodyText(c: CallRecord): { mimeType: string; text: string } | undefined {
  const body = c.request.body;
  if (body === undefined || body === null) return undefined;
  const mimeType = c.request.headers['content-type'] ?? 'application/octet-stream';
  if (typeof body === 'string') return { mimeType, text: body };
  if (mimeType.startsWith('application/x-www-form-urlencoded')) {
    return { mimeType, text: new URLSearchParams(pairs(body as Record<string, unknown>).map((p): [string, string] => [p.name, p.value])).toString() };
  }
  return { mimeType, text: JSON.stringify(body) };
}

export function toHar(calls: CallRecord[], version: string): object {
  return {
    log: {
      version: '1.2',
      creator: { name: 'contract-mock', version },
      entries: calls.map((c) => {
        const host = c.request.headers['host'] ?? '127.0.0.1:4010';
        const search = new URLSearchParams(pairs(c.query).map((p): [string, string] => [p.name, p.value])).toString();
        const post = bodyText(c);
        const responseText = c.response.body === undefined ? '' : JSON.stringify(c.response.body);
        const responseHeaders = { 'content-type': 'application/json;charset=UTF-8', ...c.response.headers };
        return {
          startedDateTime: c.time,
          time: c.durationMs,
          request: {
            method: c.method,
            url: `http://${host}${c.path}${search ? `?${search}` : ''}`,
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers: pairs(c.request.headers),
            queryString: pairs(c.query),
            ...(post && { postData: post }),
            headersSize: -1,
            bodySize: post ? Buffer.byteLength(post.text) : 0,
          },
          response: {
            status: c.response.status,
            statusText: STATUS_TEXT[c.response.status] ?? '',
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers: pairs(responseHeaders),
            content: { size: Buffer.byteLength(responseText), mimeType: responseHeaders['content-type'], text: responseText },
            redirectURL: '',
            headersSize: -1,
            bodySize: Buffer.byteLength(responseText),
          },
          cache: {},
          timings: { send: 0, wait: c.durationMs, receive: 0 },
          _id: c.id,
          _session: c.session,
          _operationId: c.operationId,
          _code: c.response.code,
          _violations: c.violations,
          _scenarios: c.scenarios,
        };
      }),
    },
  };
}
