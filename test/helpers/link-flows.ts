/**
 * The specs' flows as a stateful tool runs them: each operation's first request example, with the values its
 * OpenAPI links carry from the operations run before it (links.test.ts, prism-proxy.test.ts).
 */
import type { Contract } from '../../src/contract/compile-contract.js';
import { getPath, splitPointer } from '../../src/contract/json-pointer.js';
import type { JsonObject, Operation } from '../../src/contract/types.js';

/** The flows, in the order a client runs them; each op's link inputs come from ops earlier in its list. */
export const FLOWS: Record<string, string[]> = {
  'platform-sync': [
    'channelToken',
    'syncSaveOrganMetadata',
    'syncSaveClassMetadata',
    'syncSaveUserMetadata',
    'syncDeleteUserMetadata',
    'syncDeleteClassMetadata',
    'syncDeleteOrganMetadata',
  ],
  'ios-datasyn': ['register', 'login', 'synmetas', 'syntabledata', 'trackdatas', 'ignore'],
  'wx-push': ['addPushProject', 'queryPushProject', 'updatePushProject', 'deletePushProject', 'receive'],
  'wuhan-eduyun': ['getOrgInfo'],
};

export interface Exchange {
  request: { body?: JsonObject; query: JsonObject; path: JsonObject };
  response: unknown;
}

export interface FlowRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What the links of later operations read. */
  sent: Exchange['request'];
}

function firstExample(holder: JsonObject | undefined): unknown {
  if (!holder) return undefined;
  if ('example' in holder) return holder['example'];
  return Object.values((holder['examples'] ?? {}) as Record<string, JsonObject>)[0]?.['value'];
}

function evaluate(expr: unknown, from: Exchange): unknown {
  const m = typeof expr === 'string' ? /^\$(request|response)\.body#(\/.*)?$/.exec(expr) : null;
  if (!m) throw new Error(`unsupported runtime expression ${String(expr)}`);
  return getPath(m[1] === 'request' ? from.request.body : from.response, splitPointer(m[2] ?? ''));
}

/** The links into `op` from operations already run, with the exchange each came from. */
function incoming(
  contract: Contract,
  op: Operation,
  ran: Map<string, Exchange>,
): Array<{ link: JsonObject; from: Exchange }> {
  const found: Array<{ link: JsonObject; from: Exchange }> = [];
  for (const source of contract.apis.get(op.api)!.operations) {
    const exchange = ran.get(source.operationId);
    if (!exchange) continue;
    const links = (((source.raw['responses'] as JsonObject)['200'] as JsonObject)['links'] ?? {}) as Record<
      string,
      JsonObject
    >;
    for (const link of Object.values(links))
      if (link['operationId'] === op.operationId) found.push({ link, from: exchange });
  }
  return found;
}

/** The request a tool sends for `op` next in its flow: its first examples, link values filled in from `ran`. */
export function flowRequest(contract: Contract, op: Operation, ran: Map<string, Exchange>): FlowRequest {
  const params = (op.raw['parameters'] ?? []) as JsonObject[];
  const query: JsonObject = {};
  const path: JsonObject = {};
  for (const p of params)
    (p['in'] === 'query' ? query : path)[p['name'] as string] =
      firstExample(p) ?? firstExample(p['schema'] as JsonObject);
  const content = ((op.raw['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>;
  const mediaType = Object.keys(content)[0];
  const example = mediaType ? (structuredClone(firstExample(content[mediaType])) as JsonObject) : undefined;
  for (const { link, from } of incoming(contract, op, ran)) {
    for (const [k, v] of Object.entries((link['parameters'] ?? {}) as JsonObject))
      (k in path ? path : query)[k] = evaluate(v, from);
    for (const [k, v] of Object.entries((link['requestBody'] ?? {}) as JsonObject)) example![k] = evaluate(v, from);
  }
  let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(path[name])));
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string])).toString();
  if (qs) url += `?${qs}`;
  const sent = { body: example, query, path };
  if (mediaType === 'application/json')
    return {
      method: op.method,
      url,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(example),
      sent,
    };
  if (mediaType) {
    const form = new URLSearchParams(
      Object.entries(example!).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]),
    ).toString();
    return {
      method: op.method,
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
      sent,
    };
  }
  return { method: op.method, url, headers: {}, sent };
}
