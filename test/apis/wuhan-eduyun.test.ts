/** wuhan-eduyun: org info behind the access_token query parameter; one failure code 100001 whose message names the cause. */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DEMO_ORG } from '../helpers/demo-org.js';
import { responseViolations, testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});
afterEach(() => {
  expect(responseViolations(m.calls)).toEqual([]);
});
const get = (qs: string, session = 'default') =>
  request(m.listener).get(`/user/openapi/org/get-org-info${qs}`).set('X-Mock-Session', session);

describe('get-org-info', () => {
  test('the seeded token and org answer 000000 请求成功 with every documented field', async () => {
    const res = await get('?org_id=demo-org&access_token=demo-token');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: '000000', message: '请求成功', result: DEMO_ORG });
    for (const field of [
      'org_id',
      'platform_code',
      'v_platform_code',
      'org_name',
      'org_short_name',
      'org_type',
      'create_user_id',
      'createtime',
      'updatetime',
      'province_code',
      'city_code',
      'area_code',
      'status',
      'certification',
      'flag',
      'org_coding',
      'school_is_smart_campus',
      'avatar',
      'org_category',
      'org_category_title',
      'org_level',
      'org_level_code',
      'org_parent_id',
      'org_address',
      'org_identification_code',
    ]) {
      expect(res.body.result, field).toHaveProperty(field);
    }
  });

  test.each([
    ['no token', '?org_id=demo-org', 'access_token不能为空'],
    ['an empty token', '?org_id=demo-org&access_token=', 'access_token不能为空'],
    ['a wrong token', '?org_id=demo-org&access_token=nope', 'access_token无效或已过期'],
    ['no org_id', '?access_token=demo-token', 'org_id不能为空'],
    ['an unknown org', '?org_id=missing&access_token=demo-token', '学校组织不存在'],
  ])('%s answers 100001 with a clear message', async (_n, qs, message) => {
    const res = await get(qs);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: '100001', message, result: null });
  });

  test("the document's request example, replayed as written (host replaced): no token, so 100001 says so", async () => {
    const res = await get('?org_id=xxx');
    expect(res.body).toEqual({ code: '100001', message: 'access_token不能为空', result: null });
    expect(res.headers['x-mock-violations']).toContain('/query/access_token');
  });

  test('a POST to the GET operation answers 100001 请求方式不支持', async () => {
    const res = await request(m.listener).post(
      '/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token',
    );
    expect(res.body).toEqual({ code: '100001', message: '请求方式不支持', result: null });
  });

  test('orgs and tokens added through /__mock/state: missing fields are generated, realistic and repeatable', async () => {
    const seedState = {
      'wuhan-eduyun': {
        orgs: [{ org_id: 'org-2', org_type: '1' }],
        tokens: [{ access_token: 'short', ttlSeconds: 60 }],
      },
    };
    await request(m.listener).post('/__mock/state').send(seedState).expect(201);
    const res = await get('?org_id=org-2&access_token=short');
    expect(res.body.code).toBe('000000');
    const org = res.body.result;
    expect(org.org_id).toBe('org-2');
    expect(org.org_type).toBe('1');
    expect(org.org_name).toMatch(/[\u4e00-\u9fa5]+(中学|小学|学校)$/);
    expect(org.province_code).toMatch(/^\d{2}0000$/);
    expect(org.city_code.slice(0, 2)).toBe(org.province_code.slice(0, 2));
    expect(org.area_code.slice(0, 4)).toBe(org.city_code.slice(0, 4));
    // Same seed, same session, same request: the same generated org.
    const again = await testMock();
    await request(again.listener).post('/__mock/state').send(seedState).expect(201);
    const res2 = await request(again.listener).get('/user/openapi/org/get-org-info?org_id=org-2&access_token=short');
    expect(res2.body.result).toEqual(org);
    // The token with a TTL expires on the mock clock.
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 60 });
    expect((await get('?org_id=org-2&access_token=short')).body.message).toBe('access_token无效或已过期');
    m.calls.push(...again.calls);
  });
});
