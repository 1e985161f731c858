/** Exact integers: int64 values survive state, responses, the journal and its exports digit for digit; values outside their format, or not written as plain decimals, are violations. */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { exactJson, hasLongDigitRun } from '../../src/contract/exact-json.js';
import { responseViolations, testMock } from '../helpers/mock.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});
afterEach(() => {
  expect(responseViolations(m.calls)).toEqual([]);
});

async function token(): Promise<string> {
  const res = await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' });
  return res.body.data.access_token as string;
}
/** A JSON body written by hand, so the digits on the wire are exactly these. */
const postRaw = (path: string, text: string) =>
  request(m.listener).post(path).set('Content-Type', 'application/json').send(text);
const school = (t: string, otherId: string) =>
  `{"access_token":"${t}","organName":"武汉市第七中学","organKind":2,"provinceName":"湖北省","cityName":"武汉市","areaName":"江岸区","otherId":${otherId}}`;

describe('int64 beyond 2^53 round-trips byte for byte', () => {
  test.each(['9007199254740993', '9223372036854775807', '-9223372036854775808'])(
    'otherId %s: response, state, delete by path, journal, HAR and NDJSON',
    async (id) => {
      const t = await token();
      const saved = await postRaw('/v1/abutment/syncSaveOrganMetadata', school(t, id));
      expect(saved.text).toContain(`"otherId":${id}`);
      expect(saved.body.status).toBe(200);

      const state = await request(m.listener).get('/__mock/state');
      expect(state.text).toContain(`"otherId":${id}`);

      const calls = await request(m.listener).get('/__mock/calls?operationId=syncSaveOrganMetadata');
      expect(calls.text.match(new RegExp(`"otherId":${id}\\b`, 'g'))).toHaveLength(2); // request and response
      const har = await request(m.listener).get('/__mock/calls.har');
      expect(har.text).toContain(`\\"otherId\\":${id}`);
      const ndjson = await request(m.listener).get('/__mock/calls.ndjson');
      expect(ndjson.text).toContain(`"otherId":${id}`);

      // The path id reaches the same record: no rounding between body and path.
      const deleted = await postRaw(`/v1/abutment/syncDeleteOrganMetadata/${id}`, `{"access_token":"${t}"}`);
      expect(deleted.body).toEqual({ status: 200, message: 'Delete success' });
    },
  );

  test('a neighbour that rounds to the same double is a different school', async () => {
    const t = await token();
    await postRaw('/v1/abutment/syncSaveOrganMetadata', school(t, '9007199254740993'));
    const other = await postRaw('/v1/abutment/syncDeleteOrganMetadata/9007199254740992', `{"access_token":"${t}"}`);
    expect(other.body.code).toBe('40410');
  });
});

describe('integers outside their format or not plain decimals are parameter errors', () => {
  test.each([
    ['JSON body beyond int64', '9223372036854775808', '/body/otherId', /outside int64/],
    ['JSON body far beyond', '99999999999999999999', '/body/otherId', /outside int64/],
  ])('%s: %s', async (_n, id, pointer, message) => {
    const t = await token();
    const res = await postRaw('/v1/abutment/syncSaveOrganMetadata', school(t, id));
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    const violations = JSON.parse(res.headers['x-mock-violations'] as string) as Array<{
      pointer: string;
      message: string;
    }>;
    expect(violations).toEqual([{ pointer, message: expect.stringMatching(message) }]);
  });

  test('int32 field (organKind) beyond int32 is refused', async () => {
    const t = await token();
    const res = await postRaw(
      '/v1/abutment/syncSaveOrganMetadata',
      school(t, '1').replace('"organKind":2', '"organKind":9007199254740993'),
    );
    expect(res.body.status).toBe(402);
    expect(res.headers['x-mock-violations']).toContain('/body/organKind');
  });

  test.each([
    ['1e3', /decimal integer/],
    ['99999999999999999999', /outside int64/],
    ['9223372036854775808', /outside int64/],
    ['0x10', /decimal integer/],
    ['1.0', /decimal integer/],
    ['abc', /decimal integer/],
  ])('wx-push deletePushProject?id=%s answers 11001 with one violation', async (id, message) => {
    const res = await request(m.listener).delete(`/wx/push/deletePushProject?id=${id}`);
    expect(res.body.code).toBe('11001');
    const violations = JSON.parse(res.headers['x-mock-violations'] as string) as Array<{
      pointer: string;
      message: string;
    }>;
    expect(violations).toEqual([{ pointer: '/query/id', message: expect.stringMatching(message) }]);
  });

  test('a path id beyond int64 is a 402, not a 40410', async () => {
    const t = await token();
    const res = await postRaw('/v1/abutment/syncDeleteOrganMetadata/9223372036854775808', `{"access_token":"${t}"}`);
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
  });
});

describe('a JSON body integer is judged by its value, whatever its notation', () => {
  test.each([
    ['1e20', '/body/otherId', /outside int64/],
    ['1E20', '/body/otherId', /outside int64/],
    ['-1e19', '/body/otherId', /outside int64/],
    ['9.3e18', '/body/otherId', /outside int64/],
    ['9223372036854775808.0', '/body/otherId', /outside int64/],
  ])('otherId %s (beyond int64) is a 402 naming the field, saved nowhere', async (id, pointer, message) => {
    const t = await token();
    const res = await postRaw('/v1/abutment/syncSaveOrganMetadata', school(t, id));
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    const violations = JSON.parse(res.headers['x-mock-violations'] as string) as Array<{
      pointer: string;
      message: string;
    }>;
    expect(violations).toEqual([{ pointer, message: expect.stringMatching(message) }]);
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.apis['platform-sync'].schools).toEqual([]);
  });

  test('an int32 field (organKind) written 3e9 is outside int32', async () => {
    const t = await token();
    const res = await postRaw(
      '/v1/abutment/syncSaveOrganMetadata',
      school(t, '1').replace('"organKind":2', '"organKind":3e9'),
    );
    expect(res.body.status).toBe(402);
    const violations = JSON.parse(res.headers['x-mock-violations'] as string) as Array<{
      pointer: string;
      message: string;
    }>;
    // (and outside its enum, 1-5)
    expect(violations).toContainEqual({ pointer: '/body/organKind', message: expect.stringMatching(/outside int32/) });
  });

  test.each([
    ['1e3', '1000'],
    ['1E3', '1000'],
    ['5.0', '5'],
    ['9.2e18', '9200000000000000000'],
  ])('otherId %s is the integer %s: saved, echoed and deleted by it', async (written, value) => {
    const t = await token();
    const saved = await postRaw('/v1/abutment/syncSaveOrganMetadata', school(t, written));
    expect(saved.body.status).toBe(200);
    expect(saved.text).toContain(`"otherId":${value}`);
    const state = await request(m.listener).get('/__mock/state');
    expect(state.text).toContain(`"otherId":${value}`);
    const deleted = await postRaw(`/v1/abutment/syncDeleteOrganMetadata/${value}`, `{"access_token":"${t}"}`);
    expect(deleted.body).toEqual({ status: 200, message: 'Delete success' });
  });

  test('a fraction is still no integer: one violation, not a second one for its format', async () => {
    const t = await token();
    const res = await postRaw('/v1/abutment/syncSaveOrganMetadata', school(t, '1.5'));
    expect(res.body.status).toBe(402);
    const violations = JSON.parse(res.headers['x-mock-violations'] as string) as Array<{
      pointer: string;
      message: string;
    }>;
    expect(violations).toEqual([{ pointer: '/body/otherId', message: 'must be integer' }]);
  });
});

describe('POST /__mock/state keeps int64 beyond 2^53 like the API paths', () => {
  const seedRaw = (text: string) =>
    request(m.listener).post('/__mock/state').set('Content-Type', 'application/json').send(text);

  test('a seeded school 9007199254740993 is stored, echoed and found by its exact id', async () => {
    const seeded = await seedRaw(
      '{"platform-sync":{"schools":[{"otherId":9007199254740993,"organName":"武汉市第七中学","organKind":2,"provinceName":"湖北省","cityName":"武汉市","areaName":"江岸区"}]}}',
    );
    expect(seeded.status).toBe(201);
    expect(seeded.text).toContain('"otherId":9007199254740993');
    const state = await request(m.listener).get('/__mock/state');
    expect(state.text).toContain('"otherId":9007199254740993');

    const t = await token();
    // The rounded neighbour is another school; the exact id deletes the seeded one.
    const neighbour = await postRaw('/v1/abutment/syncDeleteOrganMetadata/9007199254740992', `{"access_token":"${t}"}`);
    expect(neighbour.body.code).toBe('40410');
    const deleted = await postRaw('/v1/abutment/syncDeleteOrganMetadata/9007199254740993', `{"access_token":"${t}"}`);
    expect(deleted.body).toEqual({ status: 200, message: 'Delete success' });
  });

  test('a seeded 9007199254740993.0 (a long written with a zero fraction) keeps every digit', async () => {
    const seeded = await seedRaw(
      '{"platform-sync":{"schools":[{"otherId":9007199254740993.0,"organName":"武汉市第七中学","organKind":2,"provinceName":"湖北省","cityName":"武汉市","areaName":"江岸区"}]}}',
    );
    expect(seeded.status).toBe(201);
    const state = await request(m.listener).get('/__mock/state');
    expect(state.text).toContain('"otherId":9007199254740993');
    expect(state.text).not.toContain('9007199254740992');
  });

  test('a seeded wx-push project 9223372036854775807 is listed, journaled, exported and deleted by its exact id', async () => {
    const seeded = await seedRaw(
      '{"wx-push":{"projects":[{"id":9223372036854775807,"url":"http://127.0.0.1:9/hook","project":"教务"},{"id":9007199254740993,"url":"http://127.0.0.1:9/b","project":"德育"}]}}',
    );
    expect(seeded.status).toBe(201);
    const listed = await request(m.listener).get('/wx/push/queryPushProject');
    expect(listed.body.code).toBe('200');
    // Sorted by id, every digit kept.
    expect(listed.text).toMatch(/"id":9007199254740993,.*"id":9223372036854775807,/);
    const calls = await request(m.listener).get('/__mock/calls?operationId=queryPushProject');
    expect(calls.text).toContain('"id":9223372036854775807');
    const har = await request(m.listener).get('/__mock/calls.har');
    expect(har.text).toContain('\\"id\\":9223372036854775807');
    const ndjson = await request(m.listener).get('/__mock/calls.ndjson');
    expect(ndjson.text).toContain('"id":9223372036854775807');

    const deleted = await request(m.listener).delete('/wx/push/deletePushProject?id=9223372036854775807');
    expect(deleted.body.code).toBe('200');
    const again = await request(m.listener).delete('/wx/push/deletePushProject?id=9223372036854775807');
    expect(again.body.code).toBe('16000');
  });

  test.each([
    ['beyond int64', '9223372036854775808', /wx-push\.projects\[0\]\.id is outside int64/],
    ['beyond int64 in exponent form', '1e20', /wx-push\.projects\[0\]\.id is outside int64/],
  ])('a seeded id %s is refused with problem+json and nothing is written', async (_n, id, detail) => {
    const res = await seedRaw(
      `{"wx-push":{"projects":[{"id":${id},"url":"http://127.0.0.1:9/hook","project":"教务"}]}}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(detail);
    const state = await request(m.listener).get('/__mock/state');
    expect(state.body.apis['wx-push'].projects).toEqual([]);
  });

  test('malformed JSON on the admin API is still a problem+json 400', async () => {
    const res = await seedRaw('{"wx-push":{"projects":[{"id":12345678901234567');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(/could not be read/);
  });
});

describe('exactJson', () => {
  test('parses unsafe integers as BigInt and writes them back unchanged; the rest as JSON does', () => {
    const text = '{"a":9007199254740993,"b":1.5,"c":"12345678901234567890","d":[-9223372036854775808],"a2":1}';
    const value = exactJson.parse(text) as Record<string, unknown>;
    expect(value['a']).toBe(9007199254740993n);
    expect(value['c']).toBe('12345678901234567890');
    expect(exactJson.stringify(value)).toBe(text);
    expect(exactJson.parse('{"x":1,"x":2}')).toEqual({ x: 2 });
    expect(exactJson.parse('{"x":12345678901234567,"x":2}')).toEqual({ x: 2 });
    expect(() => exactJson.parse('{"x":12345678901234567')).toThrow(SyntaxError);
  });

  test('an unsafe integer is found at any position of any text (the fast scan agrees with /\\d{16}/)', () => {
    // Seeded: texts of digits and separators, so runs of every length land at every offset.
    let seed = 42;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    for (let n = 0; n < 5000; n++) {
      let text = '';
      const length = Math.floor(next() * 80);
      while (text.length < length) text += next() < 0.85 ? String(Math.floor(next() * 10)) : ',';
      expect(hasLongDigitRun(text), text).toBe(/\d{16}/.test(text));
    }
    for (let at = 0; at < 40; at++) {
      const text = `{"id":${'x'.repeat(at)}9007199254740993}`;
      expect(hasLongDigitRun(text)).toBe(true);
      expect(hasLongDigitRun(text.replace('9007199254740993', '900719925474099'))).toBe(false);
      expect(exactJson.parse(`[${'1,'.repeat(at)}9007199254740993]`)).toContain(9007199254740993n);
    }
  });
});
