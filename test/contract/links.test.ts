/**
 * The specs' OpenAPI links are flows a tool can follow: every link resolves (lint), and the request
 * examples, replayed in link order from a fresh session with the values the links provide, reach the
 * documented success of every operation.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { linkProblems } from '../../src/contract/lint-specs.js';
import type { JsonObject, Operation } from '../../src/contract/types.js';
import { getPath, splitPointer } from '../../src/contract/json-pointer.js';
import { loadContract, responseViolations, testMock } from '../helpers/mock.js';

const contract = await loadContract();

/** The flows, in the order a client runs them; each op's link inputs come from ops earlier in its list. */
const FLOWS: Record<string, string[]> = {
  'platform-sync': ['channelToken', 'syncSaveOrganMetadata', 'syncSaveClassMetadata', 'syncSaveUserMetadata', 'syncDeleteUserMetadata', 'syncDeleteClassMetadata', 'syncDeleteOrganMetadata'],
  'ios-datasyn': ['register', 'login', 'synmetas', 'syntabledata', 'trackdatas', 'ignore'],
  'wx-push': ['addPushProject', 'queryPushProject', 'updatePushProject', 'deletePushProject', 'receive'],
  'wuhan-eduyun': ['getOrgInfo'],
};

interface Exchange {
  request: { body?: JsonObject; query: JsonObject; path: JsonObject };
  response: unknown;
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
function incoming(op: Operation, ran: Map<string, Exchange>): Array<{ link: JsonObject; from: Exchange }> {
  const found: Array<{ link: JsonObject; from: Exchange }> = [];
  for (const source of contract.apis.get(op.api)!.operations) {
    const exchange = ran.get(source.operationId);
    if (!exchange) continue;
    const links = (((source.raw['responses'] as JsonObject)['200'] as JsonObject)['links'] ?? {}) as Record<string, JsonObject>;
    for (const link of Object.values(links)) if (link['operationId'] === op.operationId) found.push({ link, from: exchange });
  }
  return found;
}

describe('links', () => {
  test.each([...contract.apis.values()].map((a) => [a.api, a] as const))('%s: every link names a real operation, fields it has, and expressions that resolve', (_api, a) => {
    expect(linkProblems(a.spec.document)).toEqual([]);
  });

  test('a broken link is reported', () => {
    const doc = structuredClone(contract.apis.get('wx-push')!.spec.document) as JsonObject;
    const add = ((doc['paths'] as JsonObject)['/wx/push/addPushProject'] as JsonObject)['post'] as JsonObject;
    const links = ((add['responses'] as JsonObject)['200'] as JsonObject)['links'] as Record<string, JsonObject>;
    links['deleteProject']!['parameters'] = { id: '$response.body#/data/identifier' };
    links['updateProject']!['operationId'] = 'nope';
    expect(linkProblems(doc).map((p) => p.message)).toEqual([
      'link updateProject names operationId nope, which this document does not have',
      '$response.body#/data/identifier: the response body of addPushProject has no /data/identifier',
    ]);
  });

  test('the token, save, register/login and add flows are declared', () => {
    const targets = (api: string, from: string): string[] => {
      const op = contract.apis.get(api as never)!.operations.find((o) => o.operationId === from)!;
      return Object.values((((op.raw['responses'] as JsonObject)['200'] as JsonObject)['links'] ?? {}) as Record<string, JsonObject>).map((l) => l['operationId'] as string);
    };
    const tokenTaking = contract.apis.get('platform-sync')!.operations.filter((o) => o.operationId !== 'channelToken').map((o) => o.operationId);
    expect(targets('platform-sync', 'channelToken')).toEqual(expect.arrayContaining(['channelToken', ...tokenTaking]));
    expect(targets('platform-sync', 'syncSaveOrganMetadata')).toContain('syncDeleteOrganMetadata');
    expect(targets('platform-sync', 'syncSaveClassMetadata')).toContain('syncDeleteClassMetadata');
    expect(targets('platform-sync', 'syncSaveUserMetadata')).toContain('syncDeleteUserMetadata');
    expect(targets('ios-datasyn', 'register')).toEqual(['login']);
    expect(targets('ios-datasyn', 'login').sort()).toEqual(['ignore', 'synmetas', 'syntabledata', 'trackdatas']);
    expect(targets('wx-push', 'addPushProject').sort()).toEqual(['deletePushProject', 'updatePushProject']);
  });
});

describe('request examples replayed in link order from a fresh session reach the documented success', () => {
  test.each(Object.entries(FLOWS))('%s', async (api, flow) => {
    const m = await testMock();
    const dialect = contract.apis.get(api as never)!.dialect;
    const ran = new Map<string, Exchange>();
    for (const id of flow) {
      const op = contract.apis.get(api as never)!.operations.find((o) => o.operationId === id)!;
      const params = (op.raw['parameters'] ?? []) as JsonObject[];
      const query: JsonObject = {};
      const path: JsonObject = {};
      for (const p of params) (p['in'] === 'query' ? query : path)[p['name'] as string] = firstExample(p) ?? firstExample(p['schema'] as JsonObject);
      const content = ((op.raw['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>;
      const mediaType = Object.keys(content)[0];
      const example = mediaType ? structuredClone(firstExample(content[mediaType])) as JsonObject : undefined;
      for (const { link, from } of incoming(op, ran)) {
        for (const [k, v] of Object.entries((link['parameters'] ?? {}) as JsonObject)) (k in path ? path : query)[k] = evaluate(v, from);
        for (const [k, v] of Object.entries((link['requestBody'] ?? {}) as JsonObject)) example![k] = evaluate(v, from);
      }
      let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(path[name])));
      const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string])).toString();
      if (qs) url += `?${qs}`;
      let req = request(m.listener)[op.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](url);
      if (mediaType === 'application/json') req = req.set('Content-Type', 'application/json').send(JSON.stringify(example));
      else if (mediaType) req = req.type('form').send(new URLSearchParams(Object.entries(example!).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string])).toString());
      const res = await req;
      const code = dialect.codeOf(res.body);
      expect({ op: id, code, violations: res.headers['x-mock-violations'] }).toEqual({ op: id, code: expect.toSatisfy((c: string) => dialect.isSuccess(c)), violations: undefined });
      ran.set(id, { request: { body: example, query, path }, response: res.body });
    }
    expect(responseViolations(m.calls)).toEqual([]);
  });
});
