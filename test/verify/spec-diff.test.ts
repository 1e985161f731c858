/** contract-mock diff: edited copies of the four specs, one change each, and the verdict on each; then narrowed to a recorded QA flow. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultSpecsDir } from '../../src/contract/load-specs.js';
import type { JsonObject } from '../../src/contract/types.js';
import { diffSpecFiles, type SpecChange } from '../../src/verify/spec-diff.js';
import { narrowToCalls } from '../../src/verify/diff-usage.js';
import { testMock } from '../helpers/mock.js';
import { sampleRecord } from '../helpers/sample-record.js';
import { diffSpecs } from '../../src/verify/spec-diff.js';

const dir = mkdtempSync(join(tmpdir(), 'cm-diff-'));
const specFile = (api: string): string => join(defaultSpecsDir(), `${api}.openapi.yaml`);
type Doc = JsonObject & {
  components: { schemas: Record<string, JsonObject>; parameters: Record<string, JsonObject> };
  paths: Record<string, Record<string, JsonObject>>;
};
let n = 0;

/** Writes an edited copy of a built-in spec; `editOld` edits the old side too (a change that needs a different starting point). */
function edited(api: string, edit: (d: Doc) => void, editOld?: (d: Doc) => void): { oldFile: string; newFile: string } {
  const text = readFileSync(specFile(api), 'utf8');
  let oldFile = specFile(api);
  if (editOld) {
    const old = parse(text) as Doc;
    editOld(old);
    writeFileSync((oldFile = join(dir, `${++n}-old-${api}.yaml`)), stringify(old));
  }
  const doc = parse(text) as Doc;
  editOld?.(doc);
  edit(doc);
  const newFile = join(dir, `${++n}-new-${api}.yaml`);
  writeFileSync(newFile, stringify(doc));
  return { oldFile, newFile };
}

const schema = (d: Doc, name: string): JsonObject => d.components.schemas[name]!;
const props = (d: Doc, name: string): Record<string, JsonObject> =>
  schema(d, name)['properties'] as Record<string, JsonObject>;

interface Case {
  name: string;
  api: string;
  edit: (d: Doc) => void;
  editOld?: (d: Doc) => void;
  kind: string;
  breaking: boolean;
  operationId: string | null;
  oldPointer: string;
  newPointer: string;
}

const cases: Case[] = [
  {
    name: 'a response field removed',
    api: 'platform-sync',
    edit: (d) => void delete props(d, 'TokenData')['expires_in'],
    kind: 'response-field-removed',
    breaking: true,
    operationId: 'channelToken',
    oldPointer: '/components/schemas/TokenData/properties/expires_in',
    newPointer: '/components/schemas/TokenData/properties',
  },
  {
    name: 'a code added to an operation',
    api: 'platform-sync',
    edit: (d) => void (d.paths['/v1/abutment/syncSaveOrganMetadata']!['post']!['x-codes'] as string[]).push('40410'),
    kind: 'code-added',
    breaking: true,
    operationId: 'syncSaveOrganMetadata',
    oldPointer: '/paths/~1v1~1abutment~1syncSaveOrganMetadata/post/x-codes',
    newPointer: '/paths/~1v1~1abutment~1syncSaveOrganMetadata/post/x-codes',
  },
  {
    name: 'a code dropped from an operation',
    api: 'platform-sync',
    edit: (d) =>
      void (d.paths['/v1/abutment/syncDeleteUserMetadata/{uid}']!['post']!['x-codes'] = ['200', '402', '403']),
    kind: 'code-dropped',
    breaking: true,
    operationId: 'syncDeleteUserMetadata',
    oldPointer: '/paths/~1v1~1abutment~1syncDeleteUserMetadata~1{uid}/post/x-codes',
    newPointer: '/paths/~1v1~1abutment~1syncDeleteUserMetadata~1{uid}/post/x-codes',
  },
  {
    name: 'a catalogue answer changed',
    api: 'platform-sync',
    edit: (d) =>
      void ((d['x-error-catalog'] as JsonObject[]).find((e) => e['key'] === '40430')!['body'] = {
        status: 404,
        message: 'Not Found',
        code: '40430',
      }),
    kind: 'catalog-entry-changed',
    breaking: true,
    operationId: null,
    oldPointer: '/x-error-catalog/9/body',
    newPointer: '/x-error-catalog/9/body',
  },
  {
    name: 'a request enum narrowed',
    api: 'platform-sync',
    edit: (d) => void (props(d, 'SaveSchoolRequest')['organKind']!['enum'] = [1, 2, 3]),
    kind: 'request-enum-narrowed',
    breaking: true,
    operationId: 'syncSaveOrganMetadata',
    oldPointer: '/components/schemas/SaveSchoolRequest/properties/organKind/enum',
    newPointer: '/components/schemas/SaveSchoolRequest/properties/organKind/enum',
  },
  {
    name: 'a request enum widened',
    api: 'platform-sync',
    edit: (d) => void (props(d, 'SaveSchoolRequest')['organKind']!['enum'] = [1, 2, 3, 4, 5, 6]),
    kind: 'request-enum-widened',
    breaking: false,
    operationId: 'syncSaveOrganMetadata',
    oldPointer: '/components/schemas/SaveSchoolRequest/properties/organKind/enum',
    newPointer: '/components/schemas/SaveSchoolRequest/properties/organKind/enum',
  },
  {
    name: 'a harmless description edit',
    api: 'platform-sync',
    edit: (d) => void (props(d, 'SaveSchoolRequest')['organName']!['description'] = '学校名称 / school name'),
    kind: 'description-changed',
    breaking: false,
    operationId: 'syncSaveOrganMetadata',
    oldPointer: '/components/schemas/SaveSchoolRequest/properties/organName/description',
    newPointer: '/components/schemas/SaveSchoolRequest/properties/organName/description',
  },
  {
    name: 'a parameter made required',
    api: 'wuhan-eduyun',
    editOld: (d) => void (d.components.parameters['OrgId']!['required'] = false),
    edit: (d) => void (d.components.parameters['OrgId']!['required'] = true),
    kind: 'parameter-required',
    breaking: true,
    operationId: 'getOrgInfo',
    oldPointer: '/components/parameters/OrgId',
    newPointer: '/components/parameters/OrgId/required',
  },
  {
    name: 'a required parameter added',
    api: 'wuhan-eduyun',
    edit: (d) =>
      void (d.paths['/user/openapi/org/get-org-info']!['get']!['parameters'] as unknown[]).push({
        name: 'sign',
        in: 'query',
        required: true,
        schema: { type: 'string' },
      }),
    kind: 'parameter-added-required',
    breaking: true,
    operationId: 'getOrgInfo',
    oldPointer: '/paths/~1user~1openapi~1org~1get-org-info/get/parameters',
    newPointer: '/paths/~1user~1openapi~1org~1get-org-info/get/parameters/2',
  },
  {
    name: 'an optional parameter added',
    api: 'wuhan-eduyun',
    edit: (d) =>
      void (d.paths['/user/openapi/org/get-org-info']!['get']!['parameters'] as unknown[]).push({
        name: 'lang',
        in: 'query',
        schema: { type: 'string' },
      }),
    kind: 'parameter-added',
    breaking: false,
    operationId: 'getOrgInfo',
    oldPointer: '/paths/~1user~1openapi~1org~1get-org-info/get/parameters',
    newPointer: '/paths/~1user~1openapi~1org~1get-org-info/get/parameters/2',
  },
  {
    name: 'a response field retyped',
    api: 'wuhan-eduyun',
    edit: (d) => void (props(d, 'Org')['org_name'] = { type: 'integer' }),
    kind: 'response-type-changed',
    breaking: true,
    operationId: 'getOrgInfo',
    oldPointer: '/components/schemas/Org/properties/org_name/type',
    newPointer: '/components/schemas/Org/properties/org_name/type',
  },
  {
    name: 'an operation removed',
    api: 'ios-datasyn',
    edit: (d) => void delete d.paths['/datasyn/syn/ignore'],
    kind: 'operation-removed',
    breaking: true,
    operationId: 'ignore',
    oldPointer: '/paths/~1datasyn~1syn~1ignore/post',
    newPointer: '/paths',
  },
  {
    name: 'a form field enum narrowed',
    api: 'ios-datasyn',
    edit: (d) => void (props(d, 'RegisterForm')['sex']!['enum'] = [1]),
    kind: 'request-enum-narrowed',
    breaking: true,
    operationId: 'register',
    oldPointer: '/components/schemas/RegisterForm/properties/sex/enum',
    newPointer: '/components/schemas/RegisterForm/properties/sex/enum',
  },
  {
    name: 'a field inside a form field carrying JSON made required',
    api: 'ios-datasyn',
    edit: (d) => void (schema(d, 'TableMetaIn')['required'] as string[]).push('synId'),
    kind: 'request-field-required',
    breaking: true,
    operationId: 'synmetas',
    oldPointer: '/components/schemas/TableMetaIn/required',
    newPointer: '/components/schemas/TableMetaIn/required',
  },
  {
    name: 'a response field added',
    api: 'ios-datasyn',
    edit: (d) => void (props(d, 'RegisterData')['avatar'] = { type: 'string' }),
    kind: 'response-field-added',
    breaking: false,
    operationId: 'register',
    oldPointer: '/components/schemas/RegisterData/properties',
    newPointer: '/components/schemas/RegisterData/properties/avatar',
  },
  {
    name: 'a required form field added',
    api: 'wx-push',
    edit: (d) => {
      props(d, 'AddPushProjectForm')['owner'] = { type: 'string' };
      (schema(d, 'AddPushProjectForm')['required'] as string[]).push('owner');
    },
    kind: 'request-field-added',
    breaking: true,
    operationId: 'addPushProject',
    oldPointer: '/components/schemas/AddPushProjectForm/properties',
    newPointer: '/components/schemas/AddPushProjectForm/properties/owner',
  },
  {
    name: 'an operation added',
    api: 'wx-push',
    edit: (d) =>
      void (d.paths['/wx/push/ping'] = { get: { operationId: 'ping', responses: { '200': { description: 'pong' } } } }),
    kind: 'operation-added',
    breaking: false,
    operationId: 'ping',
    oldPointer: '/paths',
    newPointer: '/paths/~1wx~1push~1ping/get',
  },
  {
    name: 'the envelope changed',
    api: 'wx-push',
    edit: (d) =>
      void (((d['x-dialect'] as JsonObject)['envelopes'] as Record<string, JsonObject>)['default']!['success'] = {
        ok: true,
        data: '{{data}}',
      }),
    kind: 'envelope-changed',
    breaking: true,
    operationId: 'queryPushProject',
    oldPointer: '/x-dialect/envelopes/default',
    newPointer: '/x-dialect/envelopes/default',
  },
];

describe('each change between two versions gets its verdict and its pointer in both documents', () => {
  test('an unchanged document has no changes', () => {
    for (const api of ['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'])
      expect(diffSpecFiles(specFile(api), specFile(api)).changes, api).toEqual([]);
  });

  test.each(cases)('$api: $name → $kind (breaking: $breaking)', (c) => {
    const { oldFile, newFile } = edited(c.api, c.edit, c.editOld);
    const { changes, api } = diffSpecFiles(oldFile, newFile);
    expect(api).toBe(c.api);
    const found = changes.find((x) => x.kind === c.kind && x.operationId === c.operationId);
    expect(found, JSON.stringify(changes, null, 1)).toMatchObject({
      breaking: c.breaking,
      oldPointer: c.oldPointer,
      newPointer: c.newPointer,
    });
    // One edit, one verdict: nothing else is reported breaking.
    const others = changes.filter((x) => x.kind !== c.kind);
    expect(
      others.filter((x) => x.breaking),
      JSON.stringify(others),
    ).toEqual([]);
    if (!c.breaking) expect(changes.every((x) => !x.breaking)).toBe(true);
  });
});

describe('narrowed to a recorded QA flow: used by N recorded calls, or not used', () => {
  let calls: Awaited<ReturnType<typeof testMock>>['calls'];
  beforeAll(async () => {
    const m = await testMock();
    const s = { 'X-Mock-Session': 'qa' };
    const token = (
      await request(m.listener).post('/v1/channel/token').set(s).send({ appid: 'demo-app', secret: 'demo-secret' })
    ).body.data.access_token as string;
    await request(m.listener).post('/v1/abutment/syncSaveOrganMetadata').set(s).send({
      access_token: token,
      organName: '武汉一中',
      organKind: 3,
      provinceName: '湖北省',
      cityName: '武汉市',
      areaName: '江岸区',
      otherId: 101,
    });
    await request(m.listener).post('/v1/abutment/syncSaveOrganMetadata').set(s).send({
      access_token: token,
      organName: '武汉大学',
      organKind: 4,
      provinceName: '湖北省',
      cityName: '武汉市',
      areaName: '武昌区',
      otherId: 102,
    });
    await request(m.listener).post('/v1/abutment/syncDeleteUserMetadata/999').set(s).send({ access_token: token });
    await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token').set(s);
    await request(m.listener).post('/datasyn/user/register').set(s).type('form').send({
      loginName: 'lisi',
      password: 'pw-123',
      realName: '李四',
      sex: '0',
      school: '武汉一中',
      grade: '三班',
      classNum: '4',
      englishscore: '90',
    });
    const iosToken = (
      await request(m.listener)
        .post('/datasyn/user/login')
        .set(s)
        .type('form')
        .send({ loginName: 'lisi', password: 'pw-123', synDevice: 'pad' })
    ).body.data.token as string;
    await request(m.listener)
      .post('/datasyn/syn/synmetas')
      .set(s)
      .type('form')
      .send({
        token: iosToken,
        json: JSON.stringify({ tablemeta: [{ synTable: 'user', version: 0, lastModTime: null }] }),
      });
    calls = m.calls.filter((c) => c.session === 'qa');
    expect(calls.map((c) => c.response.code)).toEqual(['200', '200', '200', '40430', '000000', '1', '1', '1']);
  });

  const usage = (c: Case): SpecChange & { usedBy?: number; example?: { method: string; path: string } } => {
    const { oldFile, newFile } = edited(c.api, c.edit, c.editOld);
    const report = narrowToCalls(diffSpecFiles(oldFile, newFile), calls);
    return report.changes.find((x) => x.kind === c.kind && x.operationId === c.operationId)!;
  };
  const byName = (name: string): Case => cases.find((c) => c.name === name)!;

  test.each([
    ['a response field removed', 1, 'POST /v1/channel/token'],
    ['a request enum narrowed', 1, 'POST /v1/abutment/syncSaveOrganMetadata'],
    ['a code added to an operation', 2, 'POST /v1/abutment/syncSaveOrganMetadata'],
    ['a code dropped from an operation', 1, 'POST /v1/abutment/syncDeleteUserMetadata/999'],
    ['a parameter made required', 0, undefined],
    ['a catalogue answer changed', 1, 'POST /v1/abutment/syncDeleteUserMetadata/999'],
    ['a required parameter added', 1, 'GET /user/openapi/org/get-org-info'],
    ['a response field retyped', 1, 'GET /user/openapi/org/get-org-info'],
    ['an operation removed', 0, undefined],
    ['a form field enum narrowed', 1, 'POST /datasyn/user/register'],
    ['a required form field added', 0, undefined],
    ['a field inside a form field carrying JSON made required', 1, 'POST /datasyn/syn/synmetas'],
  ])('%s: used by %i', (name, usedBy, example) => {
    const change = usage(byName(name));
    expect(change.usedBy).toBe(usedBy);
    expect(change.example && `${change.example.method} ${change.example.path.split('?')[0]}`).toBe(example);
  });

  test('an enum narrowed to values the flow never sent is not used', () => {
    const change = usage({
      ...byName('a request enum narrowed'),
      edit: (d) => void (props(d, 'SaveSchoolRequest')['organKind']!['enum'] = [1, 2, 3, 4]),
    });
    expect(change.usedBy).toBe(0);
  });

  test('a report counts the used breaking changes; without calls every breaking change counts', () => {
    const { oldFile, newFile } = edited('platform-sync', (d) => {
      delete props(d, 'TokenData')['expires_in'];
      (d.paths['/v1/abutment/syncDeleteOrganMetadata/{otherId}']!['post']!['x-codes'] as string[]).push('500');
    });
    const narrowed = narrowToCalls(diffSpecFiles(oldFile, newFile), calls);
    expect(narrowed).toMatchObject({ recordedCalls: 4, breaking: 2, usedBreaking: 1 });
    expect(narrowToCalls(diffSpecFiles(oldFile, newFile))).toMatchObject({ breaking: 2, usedBreaking: 2 });
  });
});

describe('any OpenAPI document, operations without an operationId', () => {
  const doc = (fields: Record<string, unknown>): JsonObject => ({
    openapi: '3.1.0',
    info: { title: 'pets', version: '1' },
    paths: {
      '/pets/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'a pet',
              content: { 'application/json': { schema: { type: 'object', properties: fields } } },
            },
          },
        },
      },
      '/owners/{id}': { get: { responses: { '200': { description: 'an owner' } } } },
    },
  });

  test('a removed response field is used by the calls of that method and path template only', () => {
    const changes = diffSpecs(
      doc({ id: { type: 'integer' }, name: { type: 'string' } }),
      doc({ id: { type: 'integer' } }),
      'pets',
    );
    expect(changes).toEqual([
      expect.objectContaining({
        kind: 'response-field-removed',
        breaking: true,
        operationId: null,
        method: 'GET',
        path: '/pets/{id}',
        oldPointer: '/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/name',
      }),
    ]);
    const pet = sampleRecord('s', {
      api: 'pets',
      operationId: null,
      method: 'GET',
      path: '/pets/7',
      response: { status: 200, headers: {}, body: { id: 7, name: 'Rex' }, code: null },
    });
    const owner = sampleRecord('s', {
      api: 'pets',
      operationId: null,
      method: 'GET',
      path: '/owners/1',
      response: { status: 200, headers: {}, body: { id: 1, name: 'Ann' }, code: null },
    });
    const report = narrowToCalls({ api: 'pets', old: 'a', new: 'b', changes }, [pet, owner]);
    expect(report.changes[0]).toMatchObject({ usedBy: 1, example: { path: '/pets/7' } });
  });
});
