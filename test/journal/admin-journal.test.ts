/** The journal's admin routes: calls, violations, verify with near misses, HAR and NDJSON export; all per session. */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { beforeEach, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});

const S = 'journal-test';
const api = () => request(m.listener);
async function token(session = S): Promise<string> {
  return (
    await api()
      .post('/v1/channel/token')
      .set('X-Mock-Session', session)
      .send({ appid: 'demo-app', secret: 'demo-secret' })
  ).body.data.access_token;
}
const school = (t: string, otherId: number, organKind = 2) => ({
  access_token: t,
  organName: '武汉一中',
  organKind,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId,
});
const save = (t: string, otherId: number, organKind = 2, session = S) =>
  api()
    .post('/v1/abutment/syncSaveOrganMetadata')
    .set('X-Mock-Session', session)
    .send(school(t, otherId, organKind));

describe('GET /__mock/calls', () => {
  test('one record per API call with request, response, code, timing and masked token values; admin calls are not recorded', async () => {
    const t = await token();
    await save(t, 100);
    await api().get('/__mock/state').set('X-Mock-Session', S);
    const calls = (await api().get('/__mock/calls').set('X-Mock-Session', S)).body;
    expect(calls.map((c: { operationId: string }) => c.operationId)).toEqual(['channelToken', 'syncSaveOrganMetadata']);
    const c = calls[1];
    expect(c).toMatchObject({
      session: S,
      api: 'platform-sync',
      method: 'POST',
      path: '/v1/abutment/syncSaveOrganMetadata',
      mockTime: expect.any(Number),
    });
    expect(c.request.body).toMatchObject({
      organName: '武汉一中',
      otherId: 100,
      access_token: expect.stringMatching(/^\*\*\*/),
    });
    // Masked whole (no characters of the token), and the same way the issued token is, so the two can be matched.
    expect(JSON.stringify(calls)).not.toContain(t);
    expect(c.request.body.access_token).toBe(calls[0].response.body.data.access_token);
    expect(c.response).toMatchObject({ status: 200, code: '200' });
    expect(c.response.body.data.otherId).toBe(100);
    expect(c.durationMs).toBeGreaterThan(0);
    expect(c.violations).toEqual([]);
  });

  test('JSON carried in form fields is recorded parsed', async () => {
    await api()
      .post('/datasyn/syn/synmetas')
      .set('X-Mock-Session', S)
      .type('form')
      .send({
        token: '1:1',
        json: JSON.stringify({ tablemeta: [{ synTable: 'user', version: 0, lastModTime: null }] }),
      });
    const [c] = (await api().get('/__mock/calls').set('X-Mock-Session', S)).body;
    expect(c.request.body.json).toEqual({ tablemeta: [{ synTable: 'user', version: 0, lastModTime: null }] });
  });

  test('unmatched requests are recorded too', async () => {
    await api().get('/nowhere?x=1').set('X-Mock-Session', S);
    const [c] = (await api().get('/__mock/calls').set('X-Mock-Session', S)).body;
    expect(c).toMatchObject({
      api: null,
      operationId: null,
      path: '/nowhere',
      query: { x: '1' },
      response: { status: 404 },
    });
  });

  test('filters api, operationId, method, path, since, limit', async () => {
    const t = await token();
    await save(t, 1);
    await save(t, 2);
    await api().get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token').set('X-Mock-Session', S);
    const q = async (qs: string) =>
      (await api().get(`/__mock/calls?${qs}`).set('X-Mock-Session', S)).body.map(
        (c: { operationId: string }) => c.operationId,
      );
    expect(await q('api=wuhan-eduyun')).toEqual(['getOrgInfo']);
    expect(await q('operationId=syncSaveOrganMetadata')).toHaveLength(2);
    expect(await q('method=GET')).toEqual(['getOrgInfo']);
    expect(await q('path=/v1/channel/token')).toEqual(['channelToken']);
    expect(await q('limit=1')).toEqual(['getOrgInfo']);
    expect(await q('since=2999-01-01T00:00:00Z')).toEqual([]);
    // since through the route: from the first record's own time everything is kept; after the last, nothing.
    const all = (await api().get('/__mock/calls').set('X-Mock-Session', S)).body as Array<{ time: string }>;
    expect(await q(`since=${encodeURIComponent(all[0]!.time)}`)).toEqual([
      'channelToken',
      'syncSaveOrganMetadata',
      'syncSaveOrganMetadata',
      'getOrgInfo',
    ]);
    expect(await q(`since=${encodeURIComponent(new Date(Date.parse(all.at(-1)!.time) + 1).toISOString())}`)).toEqual(
      [],
    );
    const bad = await api().get('/__mock/calls?limit=many');
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('application/problem+json');
    expect(bad.body.detail).toContain('"limit" must be a whole number');
  });

  test.each([
    [
      'GET',
      '/__mock/calls?apii=wuhan-eduyun',
      'Unknown filter',
      '"apii" is not a filter of GET /__mock/calls; the filters are api, operationId, method, path, since, limit.',
    ],
    [
      'GET',
      '/__mock/violations?operation=channelToken',
      'Unknown filter',
      '"operation" is not a filter of GET /__mock/violations',
    ],
    [
      'POST',
      '/__mock/verify',
      'Unknown operation',
      'Unknown operation "channelTokn" (did you mean channelToken?); the operations are ',
    ],
    [
      'POST',
      '/__mock/verify',
      'Bad verification request',
      '"cout" is not a field of a verification; use operationId, method, path, count, atLeast, atMost, where.',
    ],
    [
      'POST',
      '/__mock/verify',
      'Bad verification request',
      '"where.bdy" is not a part of a call; "where" matches query, body, headers, status, code, response, session.',
    ],
  ])('%s %s: refused (%s) instead of being silently misread', async (method, path, title, detail) => {
    const body = {
      'Unknown operation': { operationId: 'channelTokn', count: 1 },
      'Bad verification request': detail.includes('cout')
        ? { operationId: 'channelToken', cout: 2 }
        : { operationId: 'channelToken', where: { bdy: {} } },
    }[title];
    const res =
      method === 'GET'
        ? await api().get(path).set('X-Mock-Session', S)
        : await api().post(path).set('X-Mock-Session', S).send(body);
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.title).toBe(title);
    expect(res.body.detail).toContain(detail);
  });

  test("two sessions in parallel never see each other's calls; DELETE clears only one", async () => {
    await Promise.all(
      ['p1', 'p2'].map(async (s) => Promise.all([1, 2, 3].map(async (i) => save(await token(s), i, 2, s)))),
    );
    const p1 = (await api().get('/__mock/calls').set('X-Mock-Session', 'p1')).body;
    expect(p1).toHaveLength(6);
    expect(p1.every((c: { session: string }) => c.session === 'p1')).toBe(true);
    expect((await api().delete('/__mock/calls').set('X-Mock-Session', 'p1')).body.cleared).toBe(6);
    expect((await api().get('/__mock/calls').set('X-Mock-Session', 'p1')).body).toEqual([]);
    expect((await api().get('/__mock/calls').set('X-Mock-Session', 'p2')).body).toHaveLength(6);
  });

  test('reset clears the session journal; health counts records and evictions', async () => {
    const small = await testMock({ journal: { maxPerSession: 2, maxTotal: 100 } });
    for (let i = 0; i < 5; i++)
      await request(small.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token');
    const health = (await request(small.listener).get('/__mock/health')).body;
    expect(health.journal).toMatchObject({ records: 2, evicted: 3, maxPerSession: 2, maxTotal: 100 });
    await request(small.listener).post('/__mock/reset');
    expect((await request(small.listener).get('/__mock/calls')).body).toEqual([]);
  });
});

describe('GET /__mock/violations', () => {
  test('lists only calls that broke the contract, each violation with pointer, message and rule', async () => {
    const t = await token();
    await save(t, 1);
    await save(t, 2, 9);
    const v = (await api().get('/__mock/violations').set('X-Mock-Session', S)).body;
    expect(v).toHaveLength(1);
    expect(v[0].violations).toEqual([
      { side: 'request', pointer: '/body/organKind', message: 'must be one of [1,2,3,4,5]', rule: 'enum' },
    ]);
  });
});

describe('POST /__mock/verify', () => {
  test('count / atLeast / atMost with a where pattern over body, query, code', async () => {
    const t = await token();
    await save(t, 100);
    await save(t, 100);
    await save(t, 200);
    const verify = async (body: object) =>
      (await api().post('/__mock/verify').set('X-Mock-Session', S).send(body)).body;
    expect(await verify({ operationId: 'syncSaveOrganMetadata', count: 3 })).toEqual({
      ok: true,
      matched: 3,
      expected: 'exactly 3',
    });
    expect(
      await verify({
        operationId: 'syncSaveOrganMetadata',
        atLeast: 2,
        where: { body: { otherId: 100 }, code: '200' },
      }),
    ).toMatchObject({ ok: true, matched: 2 });
    expect(await verify({ method: 'POST', path: '/v1/channel/token', atMost: 1 })).toMatchObject({
      ok: true,
      matched: 1,
      expected: 'at most 1',
    });
    expect(await verify({ operationId: 'getOrgInfo' })).toMatchObject({
      ok: false,
      matched: 0,
      expected: 'at least 1',
    });
  });

  test('a failed verification shows the closest calls and how they differ', async () => {
    const t = await token();
    await save(t, 100);
    await save(t, 101);
    const res = (
      await api()
        .post('/__mock/verify')
        .set('X-Mock-Session', S)
        .send({ operationId: 'syncSaveOrganMetadata', count: 1, where: { body: { otherId: 102, organKind: 2 } } })
    ).body;
    expect(res.ok).toBe(false);
    expect(res.matched).toBe(0);
    expect(res.nearMisses).toHaveLength(2);
    expect(res.nearMisses[0].differences).toEqual([{ path: '/body/otherId', expected: 102, actual: 101 }]);
    const none = (
      await api().post('/__mock/verify').set('X-Mock-Session', S).send({ operationId: 'syncDeleteOrganMetadata' })
    ).body;
    expect(none.nearMisses[0].differences[0]).toMatchObject({
      path: 'operationId',
      expected: 'syncDeleteOrganMetadata',
      actual: 'syncSaveOrganMetadata',
    });
  });

  test.each([
    [{}, 'Name the calls to count'],
    [{ operationId: 'x', count: -1 }, '"count" must be a whole number'],
    [{ operationId: 'x', count: 1, atLeast: 1 }, 'Use "count" alone'],
    [{ operationId: 'x', where: [1] }, '"where" must be an object'],
  ])('%j is a problem+json 400 that says what to fix', async (body, detail) => {
    const res = await api().post('/__mock/verify').send(body);
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toContain(detail);
  });
});

/** har-schema's HAR 1.2 schema with its formats enforced (uri, date-time, ipv4/ipv6), not ignored. */
function harValidator() {
  const require = createRequire(import.meta.url);
  const dir = join(require.resolve('har-schema'), '..');
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')))
    ajv.addSchema(JSON.parse(readFileSync(join(dir, f), 'utf8')));
  return ajv.getSchema('har.json#')!;
}

describe('export', () => {
  test('the format checks bite: an entry without scheme and host, or with a bad start time, is invalid HAR', async () => {
    await token();
    const har = (await api().get('/__mock/calls.har').set('X-Mock-Session', S)).body;
    const validate = harValidator();
    expect(validate(har), JSON.stringify(validate.errors)).toBe(true);
    const entry = har.log.entries[0];
    expect(entry.request.url).toMatch(/^http:\/\/127\.0\.0\.1(:\d+)?\/v1\/channel\/token$/);
    expect(
      validate({
        log: { ...har.log, entries: [{ ...entry, request: { ...entry.request, url: '/v1/channel/token' } }] },
      }),
    ).toBe(false);
    expect(validate({ log: { ...har.log, entries: [{ ...entry, startedDateTime: 'yesterday' }] } })).toBe(false);
  });

  test('a non-JSON answer is exported as sent: the HTML 500 as text/html, the cut-off JSON as its text', async () => {
    await api()
      .post('/v1/channel/token')
      .set('X-Mock-Session', S)
      .set('X-Mock-Scenario', 'server-error')
      .send({ appid: 'demo-app', secret: 'demo-secret' });
    // (its answer is not JSON, so the client reads it as text)
    await api()
      .post('/v1/channel/token')
      .set('X-Mock-Session', S)
      .set('X-Mock-Scenario', 'malformed-json')
      .send({ appid: 'demo-app', secret: 'demo-secret' })
      .buffer(true)
      .parse((r, cb) => {
        r.on('data', () => {});
        r.on('end', () => cb(null, null));
      });
    await token();
    const har = (await api().get('/__mock/calls.har').set('X-Mock-Session', S)).body;
    const validate = harValidator();
    expect(validate(har), JSON.stringify(validate.errors)).toBe(true);
    const [html, cut, json] = har.log.entries.map(
      (e: {
        response: {
          status: number;
          content: { mimeType: string; text: string; size: number };
          headers: Array<{ name: string; value: string }>;
        };
      }) => e.response,
    );
    expect(html.status).toBe(500);
    expect(html.content.mimeType).toBe('text/html');
    expect(html.content.text.startsWith('<html>')).toBe(true);
    expect(html.content.text).toContain('<center><h1>500 Internal Server Error</h1></center>');
    expect(html.content.size).toBe(Buffer.byteLength(html.content.text));
    expect(html.headers).toContainEqual({ name: 'content-type', value: 'text/html' });
    // The cut-off JSON went out as application/json: its text is the bytes sent, not a JSON string of them.
    expect(cut.content.mimeType).toContain('application/json');
    expect(cut.content.text.startsWith('{"status":200')).toBe(true);
    expect(() => JSON.parse(cut.content.text)).toThrow();
    expect(json.content.mimeType).toContain('application/json');
    expect(JSON.parse(json.content.text)).toMatchObject({ status: 200, data: { access_token: expect.any(String) } });
  });

  test('GET /__mock/calls.har is valid HAR 1.2 (checked against har-schema)', async () => {
    const t = await token();
    await save(t, 1);
    await api().post('/datasyn/user/register').set('X-Mock-Session', S).type('form').send({
      loginName: 'a',
      password: 'p',
      realName: '张三',
      sex: '1',
      school: 's',
      grade: 'g',
      classNum: '3',
      englishscore: '90',
    });
    await api().get('/nowhere').set('X-Mock-Session', S);
    const har = (await api().get('/__mock/calls.har').set('X-Mock-Session', S)).body;
    const validate = harValidator();
    expect(validate(har), JSON.stringify(validate.errors)).toBe(true);
    expect(har.log.entries).toHaveLength(4);
    expect(har.log.entries[1].request).toMatchObject({
      method: 'POST',
      url: expect.stringMatching(/\/v1\/abutment\/syncSaveOrganMetadata$/),
    });
    expect(har.log.entries[2].request.postData.mimeType).toBe('application/x-www-form-urlencoded');
    expect(har.log.entries[3].response.status).toBe(404);
  });

  test('GET /__mock/calls.ndjson: one JSON record a line', async () => {
    await token();
    await token();
    const res = await api().get('/__mock/calls.ndjson').set('X-Mock-Session', S);
    expect(res.type).toBe('application/x-ndjson');
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.operationId)).toEqual(['channelToken', 'channelToken']);
  });
});

describe('fair journal eviction over HTTP (issue 25, findings 5 and 6)', () => {
  test('20 sessions flooding past --journal-total leave a 3-call session whole: verify count 3 stays true; health counts', async () => {
    // 3 records: under 1 % of the 400 the journal keeps in all; the flood appends 440.
    const small = await testMock({ journal: { maxPerSession: 400, maxTotal: 400 } });
    const http = () => request(small.listener);
    for (let i = 0; i < 3; i++)
      await http()
        .post('/v1/channel/token')
        .set('X-Mock-Session', 'ci-job')
        .send({ appid: 'demo-app', secret: 'demo-secret' });
    for (let round = 0; round < 22; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, s) =>
          http().get('/wx/push/queryPushProject').set('X-Mock-Session', `flood-${s}`),
        ),
      );
    }
    const verify = await http()
      .post('/__mock/verify')
      .set('X-Mock-Session', 'ci-job')
      .send({ operationId: 'channelToken', count: 3 });
    expect(verify.body).toEqual({ ok: true, matched: 3, expected: 'exactly 3' });
    const calls = await http().get('/__mock/calls').set('X-Mock-Session', 'ci-job');
    expect(calls.body).toHaveLength(3);
    expect(calls.headers['x-mock-journal-lost']).toBeUndefined();
    expect(
      Number((await http().get('/__mock/calls').set('X-Mock-Session', 'flood-0')).headers['x-mock-journal-lost']),
    ).toBeGreaterThan(0);
    expect((await http().get('/__mock/health')).body.journal).toMatchObject({
      records: 400,
      evicted: 43,
      queued: 400,
      sessionsWithLoss: 20,
    });
  });

  test('a session that lost records: verify says so (ok false for a count), the journal reads carry X-Mock-Journal-Lost; reset forgets it', async () => {
    const small = await testMock({ journal: { maxPerSession: 2, maxTotal: 100 } });
    const http = () => request(small.listener);
    for (let i = 0; i < 3; i++)
      await http()
        .post('/v1/channel/token')
        .set('X-Mock-Session', 'lossy')
        .send({ appid: 'demo-app', secret: 'demo-secret' });
    const verify = (
      await http().post('/__mock/verify').set('X-Mock-Session', 'lossy').send({ operationId: 'channelToken', count: 2 })
    ).body;
    expect(verify).toMatchObject({
      ok: false,
      matched: 2,
      lost: 1,
      detail: expect.stringContaining('cannot be vouched for'),
    });
    for (const path of ['/__mock/calls', '/__mock/violations', '/__mock/calls.har', '/__mock/calls.ndjson'])
      expect((await http().get(path).set('X-Mock-Session', 'lossy')).headers['x-mock-journal-lost']).toBe('1');
    await http().post('/__mock/reset').set('X-Mock-Session', 'lossy');
    expect(
      (await http().get('/__mock/calls').set('X-Mock-Session', 'lossy')).headers['x-mock-journal-lost'],
    ).toBeUndefined();
  });

  test('reset and DELETE /__mock/calls free the entries: health queued follows records', async () => {
    const http = () => request(m.listener);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++)
        await http()
          .get('/wx/push/queryPushProject')
          .set('X-Mock-Session', `r${i % 2}`);
      await http().post('/__mock/reset').set('X-Mock-Session', 'r0');
      await http().delete('/__mock/calls').set('X-Mock-Session', 'r1');
    }
    await http().get('/wx/push/queryPushProject').set('X-Mock-Session', 'r0');
    expect((await http().get('/__mock/health')).body.journal).toMatchObject({ records: 1, queued: 1 });
  });
});
