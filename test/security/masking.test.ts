/**
 * Finding 10 (issue "Safe to share"): one masking rule wherever a record goes. Secrets sent in the query, in
 * headers, nested in bodies, inside the ios-datasyn `json` form field, inside JSON or form text carried in a
 * string, as non-strings, as short values and as URL credentials show none of their characters in the calls,
 * HAR, NDJSON, SSE, the journal file, the test hook, and in `proxy`'s journal.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SecretMask } from '../../src/journal/secret-mask.js';
import { createProxy } from '../../src/verify/proxy.js';
import { listen } from '../helpers/listen.js';
import { loadContract, testMock } from '../helpers/mock.js';
import { openEventStream, type EventStream } from '../helpers/event-stream.js';

/** Every secret sent below; none may appear anywhere a record goes. Upper-case and non-hex, so no id, time or mask can contain one by chance. */
const SECRETS = {
  queryToken: 'QUERYTOKENVALUE',
  queryPassword: 'ZQXW',
  auth: 'HDRAUTHVALUE',
  proxyAuth: 'PROXYAUTHVALUE',
  cookie: 'COOKIEVALUE',
  xAuth: 'XAUTHVALUE',
  apiKey: 'APIKEYVALUE',
  nested: 'NESTEDPWVALUE',
  shortNested: 'QZX',
  number: 987654321,
  jsonForm: 'JSONFORMVALUE',
  datasynToken: 'WXYZ',
  nestedJson: 'NESTEDJSONVALUE',
  formInString: 'FORMSTRVALUE',
  urlCredential: 'URLCREDVALUE',
};
const leaks = (text: string): string[] =>
  Object.entries(SECRETS)
    .filter(([, v]) => text.includes(String(v)))
    .map(([k]) => k);

const S = 'masking';
let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
let file: string;
let events: EventStream;

beforeAll(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'cm-mask-')), 'calls.ndjson');
  m = await testMock({ journal: { file } });
  base = await listen(m.server);
  events = await openEventStream(base, S);
  const post = (path: string) => request(m.listener).post(path).set('X-Mock-Session', S);
  await request(m.listener)
    .get(
      `/user/openapi/org/get-org-info?org_id=demo-org&access_token=${SECRETS.queryToken}&password=${SECRETS.queryPassword}`,
    )
    .set('X-Mock-Session', S)
    .set('Authorization', `Bearer ${SECRETS.auth}`)
    .set('Proxy-Authorization', `Basic ${SECRETS.proxyAuth}`)
    .set('Cookie', `sid=${SECRETS.cookie}`)
    .set('X-Auth-Token', SECRETS.xAuth)
    .set('X-Api-Key', SECRETS.apiKey);
  await post('/v1/channel/token').send({
    appid: 'demo-app',
    secret: 'demo-secret',
    profile: { password: SECRETS.nested, deeper: [{ pin_password: SECRETS.shortNested, api_key: SECRETS.number }] },
    note: JSON.stringify({ user: 'x', password: SECRETS.nestedJson }),
    callback: `a=1&token=${SECRETS.formInString}`,
  });
  await post('/datasyn/syn/synmetas')
    .type('form')
    .send({
      token: SECRETS.datasynToken,
      json: JSON.stringify({
        tablemeta: [{ synTable: 'user', version: 0, lastModTime: null }],
        secret: SECRETS.jsonForm,
      }),
    });
  await post('/wx/push/addPushProject')
    .type('form')
    .send({ url: `http://hook:${SECRETS.urlCredential}@127.0.0.1:9/hook`, project: 'p' });
  await post('/wx/wxc/receive').send({ event: 'x' });
  await m.pipeline.settled();
  // The stream has every call of the session by now (one event per record, one more when deliveries settle).
  for (let i = 0; i < 100 && (events.text.match(/event: call/g) ?? []).length < 6; i++)
    await new Promise((r) => setImmediate(r));
});

afterAll(() => {
  events.close();
  m.server.closeAllConnections();
  m.server.close();
});

describe('every place a record goes', () => {
  test.each([
    [
      'GET /__mock/calls',
      async () => JSON.stringify((await request(m.listener).get('/__mock/calls').set('X-Mock-Session', S)).body),
    ],
    [
      'GET /__mock/calls.har (urls and entries)',
      async () => (await request(m.listener).get('/__mock/calls.har').set('X-Mock-Session', S)).text,
    ],
    [
      'GET /__mock/calls.ndjson',
      async () => (await request(m.listener).get('/__mock/calls.ndjson').set('X-Mock-Session', S)).text,
    ],
    [
      'GET /__mock/violations',
      async () => JSON.stringify((await request(m.listener).get('/__mock/violations').set('X-Mock-Session', S)).body),
    ],
    ['GET /__mock/events (SSE)', async () => events.text],
    ['the journal file', async () => readFileSync(file, 'utf8')],
    ['the onCall hook', async () => JSON.stringify(m.calls)],
  ])('%s shows no secret', async (_where, read) => {
    const text = await read();
    expect(text.length).toBeGreaterThan(500);
    expect(leaks(text)).toEqual([]);
    expect(text).toContain('***');
  });

  test('what is masked: the fields and headers, whole; the rest of the record as it was', async () => {
    const calls = (await request(m.listener).get('/__mock/calls').set('X-Mock-Session', S)).body;
    const [org, token, datasyn] = calls;
    expect(org.query).toMatchObject({
      org_id: 'demo-org',
      access_token: expect.stringMatching(/^\*\*\*[a-z]{8}$/),
      password: expect.stringMatching(/^\*\*\*/),
    });
    expect(org.request.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer \*\*\*/),
      'proxy-authorization': expect.stringMatching(/^Basic \*\*\*/),
      cookie: expect.stringMatching(/^\*\*\*/),
      'x-auth-token': expect.stringMatching(/^\*\*\*/),
      'x-api-key': expect.stringMatching(/^\*\*\*/),
    });
    expect(token.request.body.appid).toBe('demo-app');
    expect(token.request.body.profile.deeper[0].api_key).toMatch(/^\*\*\*/);
    expect(JSON.parse(token.request.body.note)).toEqual({ user: 'x', password: expect.stringMatching(/^\*\*\*/) });
    expect(token.request.body.callback).toMatch(/^a=1&token=\*\*\*/);
    expect(datasyn.request.body.json.tablemeta).toEqual([{ synTable: 'user', version: 0, lastModTime: null }]);
    expect(calls.at(-1).deliveries[0].url).toMatch(/^http:\/\/\*\*\*[a-z]+@127\.0\.0\.1:9\/hook$/);
  });
});

describe('the mask', () => {
  test('shows none of the characters, even of a one-character or numeric secret; equal secrets mask equally', () => {
    const mask = new SecretMask(Buffer.alloc(32, 7));
    for (const v of ['a', '1234', 'ZQXW', 'demo-token']) expect(mask.mask(v)).toMatch(/^\*\*\*[bcdfghjkmnpqrstv]{8}$/);
    expect(mask.value({ password: 1234 })).toEqual({ password: mask.mask(1234) });
    expect(mask.mask('same')).toBe(mask.mask('same'));
    expect(mask.mask('same')).not.toBe(mask.mask('other'));
    expect(new SecretMask(Buffer.alloc(32, 8)).mask('same')).not.toBe(mask.mask('same'));
  });

  test('values without secrets are returned as they are (no copy)', () => {
    const mask = new SecretMask();
    const body = { organName: '武汉一中', list: [{ id: 1 }], url: 'http://127.0.0.1/x' };
    expect(mask.value(body)).toBe(body);
  });
});

describe('proxy', () => {
  test('journals with the same masking as serve', async () => {
    const upstream = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 200,
          message: 'ok',
          code: '200',
          data: { access_token: 'UPSTREAMTOKENVALUE', expires_in: 7200 },
        }),
      );
    });
    const target = await listen(upstream);
    const proxy = createProxy({ contract: await loadContract(), target, log: () => {} });
    await request(proxy.listener)
      .post(`/v1/channel/token?password=${SECRETS.queryPassword}`)
      .set('Authorization', `Bearer ${SECRETS.auth}`)
      .send({ appid: 'demo-app', secret: 'demo-secret', pw: { password: SECRETS.nested } });
    const text = (await request(proxy.listener).get('/__mock/calls.ndjson')).text;
    expect(text).toContain('demo-app');
    expect(leaks(text)).toEqual([]);
    expect(text).not.toContain('UPSTREAMTOKENVALUE');
    expect(text).not.toContain('demo-secret');
    upstream.close();
  });
});
