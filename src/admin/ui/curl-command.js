/**
 * curlCommand: rebuilds a recorded call as a curl command line (method, URL, headers, body) to replay it.
 * Form bodies are re-encoded, with the fields that carried JSON (shown parsed) turned back into JSON text.
 * Values the journal masked (tokens, secrets, passwords: `***` and a keyed hash, none of the value) stay masked.
 */

/** Headers that curl computes itself or that only describe the recorded connection. */
const SKIPPED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'accept-encoding',
  'keep-alive',
]);

/** Single-quotes a word for POSIX shells. */
const quote = (word) => `'${String(word).replace(/'/g, `'\\''`)}'`;

const fieldText = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

function queryString(query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, fieldText(item));
  }
  return params.toString();
}

function bodyText(body, contentType) {
  if (body === undefined || body === null || body === '') return null;
  if (typeof body === 'string') return body;
  if (contentType.includes('application/x-www-form-urlencoded') && typeof body === 'object' && !Array.isArray(body)) {
    return new URLSearchParams(Object.entries(body).map(([name, value]) => [name, fieldText(value)])).toString();
  }
  return JSON.stringify(body);
}

/**
 * @param {{ method: string, path: string, query: Record<string, unknown>, request: { headers: Record<string, string>, body: unknown } }} record
 * @param {string} origin e.g. `http://127.0.0.1:4010`
 */
export function curlCommand(record, origin) {
  const qs = queryString(record.query);
  const headers = Object.entries(record.request.headers ?? {}).filter(
    ([name]) => !SKIPPED_HEADERS.has(name.toLowerCase()) && !name.toLowerCase().startsWith('sec-'),
  );
  const contentType = headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  const data = bodyText(record.request.body, contentType);
  const words = ['curl'];
  // curl sends POST when given a body and GET otherwise; say the method only when it differs.
  if (record.method !== (data === null ? 'GET' : 'POST')) words.push(`-X ${record.method}`);
  words.push(quote(`${origin}${record.path}${qs ? `?${qs}` : ''}`));
  for (const [name, value] of headers) words.push(`-H ${quote(`${name}: ${value}`)}`);
  if (data !== null) words.push(`--data-raw ${quote(data)}`);
  return words.join(' \\\n  ');
}
