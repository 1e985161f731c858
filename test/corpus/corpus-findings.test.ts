/**
 * What the corpus suite found in public documents, each kept as a small document of its own shape: an operationId a
 * built-in API uses too (jira), a fragment in a path key (AWS), and schemas json-schema-faker answered wrongly (Azure's
 * `x-ms-*` keys, fire.com's `oneOf`, learnifier's `number` of format int64, `byte`, AWS's deep `allOf` chains).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { generate } from '../../src/answers/examples.js';
import { FakeData } from '../../src/answers/fake-data.js';
import type { JsonObject } from '../../src/contract/types.js';
import { servedContract, servedMock } from '../helpers/served.js';

function documentFile(doc: JsonObject): string {
  const file = join(mkdtempSync(join(tmpdir(), 'corpus-')), 'finding.json');
  writeFileSync(file, JSON.stringify({ openapi: '3.0.3', info: { title: 'finding', version: '1' }, ...doc }));
  return file;
}

const ok = (schema: JsonObject): JsonObject => ({
  responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } },
});

describe('served documents the corpus found refused or misrouted', () => {
  test("an operationId one of the built-in APIs uses too (ios-datasyn's login) is served, not refused", async () => {
    const file = documentFile({
      paths: { '/auth/1/session': { post: { operationId: 'login', ...ok({ type: 'object' }) } } },
    });
    const m = await servedMock([file]);
    const res = await request(m.listener).post('/auth/1/session').send({});
    expect(res.status).toBe(200);
    expect(m.calls.at(-1)).toMatchObject({ api: 'finding', operationId: 'login' });
    m.close();
  });

  test('a fragment in a path key (/tags#resourceArn) is routed by the path before it', async () => {
    const file = documentFile({
      paths: {
        '/tags#resourceArn': {
          get: {
            operationId: 'ListTags',
            parameters: [{ name: 'resourceArn', in: 'query', required: true, schema: { type: 'string' } }],
            ...ok({ type: 'object', properties: { tags: { type: 'object' } } }),
          },
        },
      },
    });
    const m = await servedMock([file]);
    const res = await request(m.listener).get('/tags?resourceArn=arn:x');
    expect(res.status).toBe(200);
    expect(m.calls.at(-1)).toMatchObject({ operationId: 'ListTags' });
    m.close();
  });

  test("two path keys that differ only in a parameter's name each answer their own method (jira's permission-id)", async () => {
    const file = documentFile({
      paths: {
        '/filter/{id}/permission/{permissionId}': { get: { operationId: 'getPermission', ...ok({ type: 'object' }) } },
        '/filter/{id}/permission/{permission-id}': {
          delete: { operationId: 'deletePermission', ...ok({ type: 'object' }) },
        },
      },
    });
    const m = await servedMock([file]);
    expect((await request(m.listener).get('/filter/1/permission/2')).status).toBe(200);
    expect(m.calls.at(-1)).toMatchObject({ operationId: 'getPermission' });
    expect((await request(m.listener).delete('/filter/1/permission/2')).status).toBe(200);
    expect(m.calls.at(-1)).toMatchObject({ operationId: 'deletePermission' });
    const put = await request(m.listener).put('/filter/1/permission/2').send({});
    expect(put.status).toBe(405);
    m.close();
  });
});

/** Schemas json-schema-faker answered with values their own validator refuses, before generation-schema.ts. */
const SCHEMAS: Array<[string, JsonObject]> = [
  [
    "Azure's x-ms-* key beside additionalProperties (read as a property to make)",
    {
      type: 'object',
      properties: {
        tags: { type: 'object', additionalProperties: { type: 'string' }, 'x-ms-mutability': ['read', 'create'] },
      },
    },
  ],
  [
    "fire.com's oneOf told apart by an optional enum (made as {}, which every branch accepts)",
    {
      type: 'object',
      properties: {
        relatedParty: {
          oneOf: ['FIRE_ACCOUNT', 'EXTERNAL_ACCOUNT', 'CARD_MERCHANT'].map((t) => ({
            properties: { account: { type: 'object' }, type: { type: 'string', enum: [t] } },
          })),
        },
      },
    },
  ],
  [
    "learnifier's number of format int64 (made with a fraction)",
    { type: 'object', properties: { activitiesCompleted: { type: 'number', format: 'int64' } } },
  ],
  ['a string of format byte (base64; made as any string)', { type: 'string', format: 'byte' }],
  [
    "GitHub's commit_sha, a class repeated to a length of 40 (padded with letters the class refuses)",
    { type: 'string', pattern: '^[0-9a-fA-F]+$', minLength: 40, maxLength: 40 },
  ],
  [
    "openfigi's oneOf of open objects with no required field (every object is in both branches)",
    {
      type: 'array',
      items: {
        oneOf: [
          { type: 'object', properties: { data: { type: 'array', items: { type: 'string' } } } },
          { type: 'object', properties: { warning: { type: 'string' } } },
        ],
      },
    },
  ],
  [
    "GitHub's event payload, a oneOf of open kinds where one is another's too (a CreateEvent is a DeleteEvent)",
    {
      type: 'array',
      minItems: 3,
      items: {
        type: 'object',
        required: ['payload'],
        properties: {
          payload: {
            oneOf: [
              {
                type: 'object',
                required: ['ref', 'ref_type', 'master_branch'],
                properties: {
                  ref: { type: 'string' },
                  ref_type: { type: 'string' },
                  master_branch: { type: 'string' },
                },
              },
              {
                type: 'object',
                required: ['ref', 'ref_type'],
                properties: { ref: { type: 'string' }, ref_type: { type: 'string' } },
              },
              { type: 'object', required: ['action'], properties: { action: { type: 'string' } } },
            ],
          },
        },
      },
    },
  ],
  [
    "GitHub's validation error value, a oneOf of nullable types (null is every branch's)",
    {
      type: 'object',
      required: ['value'],
      properties: {
        value: {
          oneOf: [
            { type: 'string', nullable: true },
            { type: 'integer', nullable: true },
            { type: 'array', nullable: true, items: { type: 'string' } },
          ],
        },
      },
    },
  ],
  [
    "AWS's every field an allOf of one $ref, twelve deep (a placeholder null past depth 5)",
    [...Array(12).keys()].reduce<JsonObject>(
      (inner) => ({ type: 'object', required: ['next'], properties: { next: { allOf: [inner] } } }),
      { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    ),
  ],
];

describe('generated answers of schemas json-schema-faker got wrong validate against them', () => {
  test.each(SCHEMAS)('%s', async (_, schema) => {
    const file = documentFile({ paths: { '/x': { get: { operationId: 'getX', ...ok(schema) } } } });
    const contract = await servedContract([file]);
    const response = contract.operations.find((o) => o.operationId === 'getX')!.responses.get('200')!;
    for (let seed = 1; seed <= 20; seed++) {
      const value = generate(response.schema!, response.validate, new FakeData(seed, 'en'));
      expect(response.validate!(value), `seed ${seed}: ${JSON.stringify(value)}`).toBe(true);
    }
  });
});
