/** Builds one documented request per operation from the spec's own examples: what Prism and verify send. */
import type { JsonObject, Operation } from '../../src/contract/types.js';

export interface DocumentedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function firstExample(holder: JsonObject | undefined): unknown {
  if (!holder) return undefined;
  if ('example' in holder) return holder['example'];
  const first = Object.values((holder['examples'] ?? {}) as Record<string, JsonObject>)[0];
  return first?.['value'];
}

export function documentedRequest(op: Operation): DocumentedRequest {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of (op.raw['parameters'] ?? []) as JsonObject[]) {
    const value = firstExample(p) ?? (p['schema'] as JsonObject | undefined)?.['examples'] ?? 1;
    if (p['in'] === 'path') path = path.replace(`{${String(p['name'])}}`, encodeURIComponent(String(value)));
    if (p['in'] === 'query') query.set(String(p['name']), String(value));
  }
  const content = ((op.raw['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>;
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (content['application/json']) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(firstExample(content['application/json']));
  } else if (content['application/x-www-form-urlencoded']) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const value = firstExample(content['application/x-www-form-urlencoded']) as JsonObject;
    body = new URLSearchParams(
      Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ).toString();
  }
  const qs = query.toString();
  return { method: op.method, path: qs ? `${path}?${qs}` : path, headers, body };
}
