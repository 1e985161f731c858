/**
 * What third-party tools (Schemathesis, Prism, openapi-typescript, Spectral ...) found wrong with the contracts
 * and the mock (issue 29, item 10), one test per finding, each against the running mock or the spec as served.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { checkResponse } from '../../src/contract/check-response.js';
import { loadContract, testMock } from '../helpers/mock.js';
import { oasExample, servedMock } from '../helpers/served.js';

describe('--http-status mapped: a wrong method is 405 with Allow on every API', () => {
  test.each([
    ['TRACE', '/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token', 'GET'],
    ['GET', '/datasyn/user/login', 'POST'],
    ['GET', '/v1/channel/token', 'POST'],
    ['POST', '/wx/push/deletePushProject', 'DELETE'],
  ])('%s %s', async (method, path, allow) => {
    const m = await testMock({ httpStatus: 'mapped' });
    const res = await request(m.listener)[method.toLowerCase() as 'get'](path);
    expect([res.status, res.headers['allow']]).toEqual([405, allow]);
    // The envelope is the API's own, unchanged (its method-not-allowed role).
    const plain = await testMock();
    const documented = await request(plain.listener)[method.toLowerCase() as 'get'](path);
    expect([documented.status, documented.headers['allow']]).toEqual([200, undefined]);
    expect(res.body).toEqual(documented.body);
    m.close();
    plain.close();
  });
});

describe("--http-status mapped: ios-datasyn 3000 is the client's error", () => {
  test("syntabledata with another user's row answers 3000 at HTTP 403, not 500 (the document blames the token)", async () => {
    const m = await testMock({ httpStatus: 'mapped' });
    const form = (path: string, body: Record<string, string>) =>
      request(m.listener).post(`/datasyn${path}`).type('form').send(body);
    await form('/user/register', {
      loginName: 'zhangsan',
      password: '123456',
      realName: '张三',
      sex: '1',
      school: '武汉一中',
      grade: '3班',
      classNum: '3',
      englishscore: '120',
    });
    const { token } = (await form('/user/login', { loginName: 'zhangsan', password: '123456', synDevice: 'A' })).body
      .data as { token: string };
    const json = JSON.stringify({ downSynTable: [], tableData: { usertest: [{ userTestId: 1, userId: 111 }] } });
    const res = await form('/syn/syntabledata', { token, json });
    expect([res.status, res.body]).toEqual([
      403,
      { meta: { status: 3000, message: '数据同步失败, token值有误' }, data: null },
    ]);
    m.close();
  });
});

describe('a served operation that declares no 2xx changes no state', () => {
  test('petstore POST /v2/pet answers its only documented status, 405, and the pet does not exist after it', async () => {
    // Strict REST state: an item exists only once created, so a 404 after the POST shows it created nothing.
    const m = await servedMock([oasExample('3.0/yaml/petstore.yaml')], { restState: 'strict' });
    const add = await request(m.listener)
      .post('/v2/pet')
      .set('Authorization', 'Bearer dGVzdDp0ZXN0')
      .send({ id: 7, name: 'doggie', photoUrls: ['http://a/b.png'] });
    expect(add.status).toBe(405);
    // The item GET (it declares 200) keeps its REST role: the pet is unknown, its 404.
    expect((await request(m.listener).get('/v2/pet/7').set('api_key', 'k')).status).toBe(404);
    const op = [...m.contract.apis.values()].flatMap((a) => a.operations).find((o) => o.operationId === 'addPet')!;
    expect(op.rest).toBeUndefined();
    m.close();
  });
});

describe("verify's documented-code rule follows the spec's Decision", () => {
  const check = async (api: string, operationId: string, body: unknown) => {
    const contract = await loadContract();
    const a = contract.apis.get(api)!;
    const op = a.operations.find((o) => o.operationId === operationId)!;
    return checkResponse(op, a.dialect, {
      status: 200,
      contentType: 'application/json',
      text: JSON.stringify(body),
    }).failures.map((f) => f.rule);
  };

  test('ios-datasyn (anyCodeOnAnyOperation): register answering 4 or 3000 passes, a code outside the catalogue fails', async () => {
    expect(await check('ios-datasyn', 'register', { meta: { status: 4, message: 'token值无效' }, data: null })).toEqual(
      [],
    );
    expect(
      await check('ios-datasyn', 'register', {
        meta: { status: 3000, message: '数据同步失败, token值有误' },
        data: null,
      }),
    ).toEqual([]);
    expect(await check('ios-datasyn', 'register', { meta: { status: 4999, message: 'x' }, data: null })).toContain(
      'documented-code',
    );
  });

  test('platform-sync (no such Decision): a catalogue code the operation does not list still fails', async () => {
    expect(
      await check('platform-sync', 'channelToken', { status: 403, message: 'Forbidden', code: '40410' }),
    ).toContain('documented-code');
  });
});

describe("platform-sync's error code is one of the catalogue's", () => {
  test.each([
    ['40410', true],
    ['49999', false],
  ])('{status: 403, message: Forbidden, code: %s} is a valid error answer: %s', async (code, valid) => {
    const op = (await loadContract()).apis
      .get('platform-sync')!
      .operations.find((o) => o.operationId === 'syncDeleteOrganMetadata')!;
    expect(op.success.validate!({ status: 403, message: 'Forbidden', code })).toBe(valid);
  });
});

describe('the mapped served documents: 4xx/5xx carry the error envelope only', () => {
  test('ios-datasyn register: 400, 405, 409 are ErrorEnvelope with their own examples; the 200 no longer says "always HTTP 200"', async () => {
    const m = await testMock({ httpStatus: 'mapped' });
    const doc = (await request(m.listener).get('/__mock/specs/ios-datasyn')).body;
    const responses = doc.paths['/datasyn/user/register'].post.responses;
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '405', '409']);
    for (const status of ['400', '405', '409'])
      expect(responses[status].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/ErrorEnvelope',
      });
    expect(Object.keys(responses['409'].content['application/json'].examples)).toEqual(['error2000']);
    expect(Object.keys(responses['400'].content['application/json'].examples)).toEqual(['error3']);
    expect(responses['200'].description).not.toMatch(/always HTTP 200/);
    expect(responses['200'].description).toMatch(
      /^注册结果 \/ registration result \(meta.status 1 = success\)\. Under serve --http-status mapped/,
    );
    // syntabledata's 3000 (the client's error, 403) and wx-push's receive envelope.
    expect(doc.paths['/datasyn/syn/syntabledata'].post.responses['403'].content['application/json'].examples).toEqual({
      error3000: expect.any(Object),
    });
    const wx = (await request(m.listener).get('/__mock/specs/wx-push')).body;
    expect(wx.paths['/wx/wxc/receive'].post.responses['502'].content['application/json']).toEqual({
      schema: { $ref: '#/components/schemas/ReceiveError' },
      examples: { 'error-16009': expect.any(Object) },
    });
    // One failure code for every cause (wuhan-eduyun 100001): the wrong-method example at 405, the others at 400.
    const wuhan = (await request(m.listener).get('/__mock/specs/wuhan-eduyun')).body.paths[
      '/user/openapi/org/get-org-info'
    ].get.responses;
    expect(Object.keys(wuhan['405'].content['application/json'].examples)).toEqual(['methodNotAllowed']);
    expect(Object.keys(wuhan['400'].content['application/json'].examples)).not.toContain('methodNotAllowed');
    // platform-sync's examples are $refs to components/examples.
    const ps = (await request(m.listener).get('/__mock/specs/platform-sync')).body.paths['/v1/channel/token'].post
      .responses;
    expect(Object.keys(ps['401'].content['application/json'].examples)).toEqual(['error40001', 'error403']);
    m.close();
  });

  test('documented mode serves the spec as written', async () => {
    const m = await testMock();
    const responses = (await request(m.listener).get('/__mock/specs/ios-datasyn')).body.paths['/datasyn/user/register']
      .post.responses;
    expect(Object.keys(responses)).toEqual(['200']);
    expect(responses['200'].description).toContain('always HTTP 200');
    m.close();
  });
});
