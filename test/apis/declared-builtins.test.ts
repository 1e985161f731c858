/**
 * platform-sync and wuhan-eduyun answer from their specs' `x-mock-state` declarations (issue 27, "The four built-ins
 * use the same declarations"): no handler code, every operation declared, no start-up warning, and the seeds the
 * specs declare are the ones the tests and tools compare with.
 */
import { expect, test } from 'vitest';
import { readMockState } from '../../src/contract/mock-state.js';
import { apiModules } from '../../src/server/api-modules.js';
import { platformSync } from '../../src/apis/platform-sync/platform-sync.js';
import { wuhanEduyun } from '../../src/apis/wuhan-eduyun/wuhan-eduyun.js';
import { DEMO_ORG } from '../helpers/demo-org.js';
import { DEMO_APP } from '../../src/apis/platform-sync/verify-flow.js';
import { DEMO_TOKEN } from '../../src/apis/wuhan-eduyun/verify-flow.js';
import request from 'supertest';
import { loadContract, responseViolations, testMock } from '../helpers/mock.js';

test.each([platformSync, wuhanEduyun])('$api has no handler code; every operation is declared', async (code) => {
  expect(code.handlers).toEqual({});
  const contract = await loadContract();
  const { modules, warnings } = apiModules(contract);
  expect(warnings).toEqual([]);
  const ids = contract.apis.get(code.api)!.operations.map((op) => op.operationId);
  expect(Object.keys(modules.get(code.api)!.handlers).sort()).toEqual([...ids].sort());
  expect(readMockState(contract.apis.get(code.api)!.spec.document).problems).toEqual([]);
});

test('the seeds are declared in the specs: the demo app, the demo token and the demo org', async () => {
  const { modules } = apiModules(await loadContract());
  expect(modules.get('platform-sync')!.seed()).toEqual({ 'platform-sync:apps': { 'demo-app': { ...DEMO_APP } } });
  expect(modules.get('wuhan-eduyun')!.seed()).toEqual({
    'wuhan-eduyun:tokens': { [DEMO_TOKEN]: { access_token: DEMO_TOKEN } },
    'wuhan-eduyun:orgs': { [DEMO_ORG['org_id'] as string]: DEMO_ORG },
  });
});

test('the declared collections keep their keys, schemas and completion (wuhan-eduyun orgs: code over the declaration)', async () => {
  const { modules } = apiModules(await loadContract());
  const ps = modules.get('platform-sync')!.collections;
  expect(Object.fromEntries(Object.entries(ps).map(([k, c]) => [k, [c.key, c.schema, c.notStored]]))).toEqual({
    apps: ['appid', 'GetTokenRequest', undefined],
    tokens: ['access_token', undefined, undefined],
    schools: ['otherId', 'SaveSchoolRequest', ['access_token']],
    classes: ['otherId', 'SaveClassRequest', ['access_token']],
    users: ['uid', 'SaveUserRequest', ['access_token']],
  });
  const now = 1_000_000;
  const complete = ps['tokens']!.complete!;
  const ctx = { now, dialect: undefined as never, generate: () => ({}) };
  expect(complete({ access_token: 't' }, undefined as never, ctx)).toEqual({
    appid: 'demo-app',
    access_token: 't',
    expiresAt: now + 7_200_000,
  });
  expect(complete({ access_token: 't', ttlSeconds: 60 }, undefined as never, ctx)).toMatchObject({
    expiresAt: now + 60_000,
  });
  expect(modules.get('wuhan-eduyun')!.collections['orgs']!.complete).toBe(
    wuhanEduyun.collectionCode!['orgs']!.complete,
  );
});

test('wx-push lists projects in id order, whatever order they were seeded in; an update of an unknown id answers 16000', async () => {
  const m = await testMock();
  const projects = [3, 1, 2].map((id) => ({ id, url: `http://127.0.0.1:9/${id}`, project: `p${id}` }));
  await request(m.listener).post('/__mock/state').send({ 'wx-push': { projects } }).expect(201);
  const list = await request(m.listener).get('/wx/push/queryPushProject');
  expect(list.body.data.map((p: { id: number }) => p.id)).toEqual([1, 2, 3]);
  const update = await request(m.listener).put('/wx/push/updatePushProject').send({ id: 9, statu: 1 });
  expect([update.body.code, update.body.message]).toEqual(['16000', '数据不存在']);
  expect(responseViolations(m.calls)).toEqual([]);
});
