/** The served documents (GET /__mock/specs) and `--http-status mapped`: what a generic OpenAPI tool pointed at the running mock gets. */
import request from 'supertest';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { loadContract, testMock } from '../helpers/mock.js';

describe('GET /__mock/specs', () => {
  test('lists every API of the loaded contract, each document with servers pointing at this mock (JSON and YAML)', async () => {
    const m = await testMock();
    const contract = await loadContract();
    const list = await request(m.listener).get('/__mock/specs').set('Host', '127.0.0.1:4999');
    expect(list.status).toBe(200);
    expect(list.body.specs.map((s: { api: string }) => s.api)).toEqual([...contract.apis.keys()]);
    for (const s of list.body.specs as Array<{ api: string; url: string; yaml: string }>) {
      expect(s.url).toBe(`http://127.0.0.1:4999/__mock/specs/${s.api}`);
      const json = await request(m.listener).get(new URL(s.url).pathname).set('Host', '127.0.0.1:4999');
      expect(json.status).toBe(200);
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      expect(json.body.openapi).toMatch(/^3\.1/);
      expect(json.body.servers).toEqual([{ url: 'http://127.0.0.1:4999', description: 'this contract-mock' }]);
      expect(Object.keys(json.body.paths)).toEqual(
        Object.keys(contract.apis.get(s.api as never)!.spec.raw['paths'] as object),
      );
      const yaml = await request(m.listener)
        .get(`${new URL(s.url).pathname}?format=yaml`)
        .set('Host', '127.0.0.1:4999');
      expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
      expect(parse(yaml.text)).toEqual(json.body);
    }
  });

  test('an unknown API or format is a problem+json that lists what is served', async () => {
    const m = await testMock();
    const res = await request(m.listener).get('/__mock/specs/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toContain('platform-sync');
    const bad = await request(m.listener).get('/__mock/specs/wx-push?format=xml');
    expect(bad.status).toBe(400);
  });
});

describe('--http-status', () => {
  const business = async (mode?: 'mapped' | 'documented') => {
    const m = await testMock(mode ? { httpStatus: mode } : {});
    return {
      m,
      badCredentials: await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'nope' }),
      paramError: await request(m.listener).delete('/wx/push/deletePushProject?id=abc'),
      missing: await request(m.listener).delete('/wx/push/deletePushProject?id=435'),
      wrongMethod: await request(m.listener).get('/v1/channel/token'),
      success: await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' }),
      ios: await request(m.listener)
        .post('/datasyn/syn/ignore')
        .type('form')
        .send({ token: '1:1', synDevice: 'iPhone-7A1C2E4B' }),
    };
  };

  test('documented (the default) answers every business error with HTTP 200, like the real servers', async () => {
    const r = await business();
    for (const res of [r.badCredentials, r.paramError, r.missing, r.wrongMethod, r.success, r.ios])
      expect(res.status).toBe(200);
  });

  test("mapped answers each with its catalogue entry's x-http-status and the unchanged envelope", async () => {
    const [mapped, documented] = [await business('mapped'), await business('documented')];
    expect([
      mapped.badCredentials.status,
      mapped.paramError.status,
      mapped.missing.status,
      mapped.wrongMethod.status,
      mapped.success.status,
      mapped.ios.status,
    ]).toEqual([401, 400, 404, 405, 200, 401]);
    expect(mapped.badCredentials.body).toEqual(documented.badCredentials.body);
    expect(mapped.missing.body).toEqual(documented.missing.body);
    expect(mapped.wrongMethod.headers['allow']).toBe('POST');
    // The journal records what was sent.
    expect(
      mapped.m.calls.find((c) => c.operationId === 'deletePushProject' && c.response.code === '16000')?.response.status,
    ).toBe(404);
  });

  test('mapped: the served spec documents those statuses on the operations that answer them', async () => {
    const m = await testMock({ httpStatus: 'mapped' });
    const doc = (await request(m.listener).get('/__mock/specs/wx-push')).body;
    expect(Object.keys(doc.paths['/wx/push/deletePushProject'].delete.responses).sort()).toEqual([
      '200',
      '400',
      '404',
      '405',
      '500',
    ]);
    const documented = (await request((await testMock()).listener).get('/__mock/specs/wx-push')).body;
    expect(Object.keys(documented.paths['/wx/push/deletePushProject'].delete.responses)).toEqual(['200']);
  });

  test('every catalogue entry of every API carries an x-http-status', async () => {
    const contract = await loadContract();
    for (const api of contract.apis.values()) {
      for (const entry of api.dialect.catalog)
        expect([api.api, entry.key, entry['x-http-status']]).toEqual([api.api, entry.key, expect.any(Number)]);
    }
  });
});

describe('a wrong method is a violation like any other', () => {
  test.each([
    ['GET', '/v1/channel/token'],
    ['POST', '/wx/push/deletePushProject'],
    ['GET', '/datasyn/user/login'],
  ])('%s %s answers with X-Mock-Violations naming the documented method', async (method, path) => {
    const m = await testMock();
    const res = await request(m.listener)[method.toLowerCase() as 'get' | 'post'](path);
    const violations = JSON.parse(res.headers['x-mock-violations'] as string) as Array<{
      pointer: string;
      message: string;
    }>;
    expect(violations).toEqual([
      {
        pointer: '',
        message: expect.stringMatching(new RegExp(`^${method} is not documented for ${path} \\(documented: `)),
      },
    ]);
  });
});
