/** HAR 1.2 export of journaled calls (http://www.softwareishard.com/blog/har-12-spec/), with contract-mock's own `_`-prefixed fields. */
import { exactJson } from '../contract/exact-json.js';
import type { CallRecord } from './call-record.js';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const pairs = (o: Record<string, unknown>): Array<{ name: string; value: string }> =>
  Object.entries(o).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? value : exactJson.stringify(value),
  }));

/** The request body as text: JSON bodies re-serialised, form bodies re-encoded (JSON-in-form fields as JSON strings). */
function bodyText(c: CallRecord): { mimeType: string; text: string } | undefined {
  const body = c.request.body;
  if (body === undefined || body === null) return undefined;
  const mimeType = c.request.headers['content-type'] ?? 'application/octet-stream';
  if (typeof body === 'string') return { mimeType, text: body };
  if (mimeType.startsWith('application/x-www-form-urlencoded')) {
    return {
      mimeType,
      text: new URLSearchParams(
        pairs(body as Record<string, unknown>).map((p): [string, string] => [p.name, p.value]),
      ).toString(),
    };
  }
  return { mimeType, text: exactJson.stringify(body) };
}

const JSON_TYPE = 'application/json;charset=UTF-8';

/** A recorded header by name, whatever case it was recorded in. */
function header(headers: Record<string, string>, name: string): string | undefined {
  for (const k in headers) if (k.toLowerCase() === name) return headers[k];
  return undefined;
}

/**
 * The response body as sent. A record keeps a text answer (an HTML page, a cut-off JSON text) as its string
 * and a JSON answer parsed; its type is the recorded content-type, which the mock records only when it is not
 * the APIs' JSON.
 */
function responseContent(c: CallRecord): { mimeType: string; text: string } {
  const body = c.response.body;
  const mimeType = header(c.response.headers, 'content-type') ?? JSON_TYPE;
  return { mimeType, text: body === undefined ? '' : typeof body === 'string' ? body : exactJson.stringify(body) };
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
        const { mimeType, text: responseText } = responseContent(c);
        const responseHeaders = header(c.response.headers, 'content-type')
          ? c.response.headers
          : { ...c.response.headers, 'content-type': mimeType };
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
            content: { size: Buffer.byteLength(responseText), mimeType, text: responseText },
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
