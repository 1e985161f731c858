/**
 * The specs' OpenAPI links are flows a tool can follow: every link resolves (lint), and the request
 * examples, replayed in link order from a fresh session with the values the links provide, reach the
 * documented success of every operation.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { linkProblems } from '../../src/contract/lint-specs.js';
import type { JsonObject } from '../../src/contract/types.js';
import { FLOWS, flowRequest, type Exchange } from '../helpers/link-flows.js';
import { loadContract, responseViolations, testMock } from '../helpers/mock.js';

const contract = await loadContract();

describe('links', () => {
  test.each([...contract.apis.values()].map((a) => [a.api, a] as const))(
    '%s: every link names a real operation, fields it has, and expressions that resolve',
    (_api, a) => {
      expect(linkProblems(a.spec.document)).toEqual([]);
    },
  );

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
      return Object.values(
        (((op.raw['responses'] as JsonObject)['200'] as JsonObject)['links'] ?? {}) as Record<string, JsonObject>,
      ).map((l) => l['operationId'] as string);
    };
    const tokenTaking = contract.apis
      .get('platform-sync')!
      .operations.filter((o) => o.operationId !== 'channelToken')
      .map((o) => o.operationId);
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
      const built = flowRequest(contract, op, ran);
      let req = request(m.listener)
        [op.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](built.url)
        .set(built.headers);
      if (built.body !== undefined) req = req.send(built.body);
      const res = await req;
      const code = dialect.codeOf(res.body);
      expect({ op: id, code, violations: res.headers['x-mock-violations'] }).toEqual({
        op: id,
        code: expect.toSatisfy((c: string) => dialect.isSuccess(c)),
        violations: undefined,
      });
      ran.set(id, { request: built.sent, response: res.body });
    }
    expect(responseViolations(m.calls)).toEqual([]);
  });
});
