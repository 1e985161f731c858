/** contract-mock pact: Pact v4 contracts from the journal of a QA flow of each API, replayed against a fresh mock and a drifted one. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixedClock } from '../../src/state/store.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import type { JsonObject } from '../../src/contract/types.js';
import { buildPacts, type Pact } from '../../src/verify/pact.js';
import { DRIFTS, driftServer } from '../helpers/drift-server.js';
import { listen } from '../helpers/listen.js';
import { T0, testMock } from '../helpers/mock.js';
import { iosFlow, platformSyncFlow, wuhanFlow, wxPushFlow } from '../helpers/qa-flows.js';
import { replayInteraction, replayPact } from '../../src/verify/pact-replay.js';

type TestMock = Awaited<ReturnType<typeof testMock>>;
const codePointers =
  (m: TestMock) =>
  (api: string): string[] =>
    (m.contract.apis.get(api)!.spec.raw['x-dialect'] as JsonObject)['codePointers'] as string[];

/** Runs the four QA flows in one session and returns the journal as GET /__mock/calls answers it (masked). */
async function recordFlows(m: TestMock, session = 'qa'): Promise<CallRecord[]> {
  await platformSyncFlow(m, session);
  await wuhanFlow(m, session);
  await iosFlow(m, session);
  await wxPushFlow(m, session, 'http://127.0.0.1:9/hook');
  return m.journal.query(session);
}

const pactsOf = (m: TestMock, calls: CallRecord[]) =>
  buildPacts(calls, 'qa-app', (api) => api, { codePointers: codePointers(m), version: '0.0.0-test' });

let m: TestMock;
let calls: CallRecord[];
let pacts: Map<string, Pact>;
beforeAll(async () => {
  m = await testMock();
  calls = await recordFlows(m);
  const built = pactsOf(m, calls);
  expect(built.skipped).toEqual([]);
  pacts = new Map(built.pacts.map((p) => [p.api, p.pact]));
});

describe('the pact file follows Pact specification v4', () => {
  test('one pact per API, each naming consumer, provider and the specification version', () => {
    expect([...pacts.keys()]).toEqual(['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push']);
    for (const [api, pact] of pacts) {
      expect(pact.consumer).toEqual({ name: 'qa-app' });
      expect(pact.provider).toEqual({ name: api });
      expect(pact.metadata['pactSpecification']).toEqual({ version: '4.0' });
    }
  });

  test('every interaction is a synchronous HTTP interaction with a unique description and key, V4 bodies and matching rules', () => {
    for (const pact of pacts.values()) {
      const descriptions = pact.interactions.map((i) => i.description);
      expect(new Set(descriptions).size).toBe(descriptions.length);
      expect(new Set(pact.interactions.map((i) => i.key)).size).toBe(descriptions.length);
      for (const i of pact.interactions) {
        expect(i).toMatchObject({
          type: 'Synchronous/HTTP',
          pending: false,
          request: { method: expect.stringMatching(/^[A-Z]+$/), path: expect.stringMatching(/^\//) },
          response: { status: 200 },
        });
        expect(i.key).toMatch(/^[0-9a-f]{16}$/);
        for (const values of Object.values({ ...i.request.query, ...i.request.headers, ...i.response.headers }))
          expect(values.every((v) => typeof v === 'string')).toBe(true);
        for (const body of [i.request.body, i.response.body].filter(Boolean))
          expect(body).toMatchObject({ contentType: expect.any(String), contentTypeHint: 'TEXT', encoded: false });
        for (const category of [
          ...Object.values(i.request.matchingRules ?? {}),
          ...Object.values(i.response.matchingRules),
        ]) {
          for (const [path, rule] of Object.entries(category)) {
            expect(path).toMatch(/^(\$|[\w-]+)/);
            expect(rule.combine).toBe('AND');
            for (const matcher of rule.matchers) expect(['type', 'equality', 'regex']).toContain(matcher['match']);
          }
        }
      }
    }
  });

  test('one interaction per distinct request shape, in the order the flow first sent it', () => {
    expect(pacts.get('platform-sync')!.interactions.map((i) => i.description)).toEqual([
      'channelToken POST /v1/channel/token answering 200',
      'channelToken POST /v1/channel/token answering 200 (2: sending access_token)',
      'syncSaveOrganMetadata POST /v1/abutment/syncSaveOrganMetadata answering 200',
      'syncSaveClassMetadata POST /v1/abutment/syncSaveClassMetadata answering 200',
      'syncSaveUserMetadata POST /v1/abutment/syncSaveUserMetadata answering 200',
      'syncDeleteUserMetadata POST /v1/abutment/syncDeleteUserMetadata/301 answering 200',
      'syncDeleteUserMetadata POST /v1/abutment/syncDeleteUserMetadata/999 answering 40430',
    ]);
    expect(calls.filter((c) => c.operationId === 'syncSaveOrganMetadata')).toHaveLength(2);
  });

  test('form bodies are forms: the register and addPushProject requests are url-encoded text, not JSON', () => {
    const register = pacts.get('ios-datasyn')!.interactions.find((i) => i.description.startsWith('register'))!;
    expect(register.request.headers).toEqual({ 'Content-Type': ['application/x-www-form-urlencoded'] });
    expect(register.request.body!.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(register.request.body!.content as string))).toEqual({
      loginName: 'zhangsan',
      password: 'pact-example-password-1',
      realName: '张三',
      sex: '1',
      school: '武汉一中',
      grade: '3班',
      classNum: '3',
      englishscore: '120',
    });
    const add = pacts.get('wx-push')!.interactions.find((i) => i.description.startsWith('addPushProject'))!;
    expect(add.request.body).toEqual({
      content: 'url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&project=%E6%A0%A1%E5%9B%AD%E9%80%9A%E7%9F%A5',
      contentType: 'application/x-www-form-urlencoded',
      contentTypeHint: 'TEXT',
      encoded: false,
    });
  });

  test('provider states name what the session had to hold, with the records that set it up', () => {
    const ps = pacts.get('platform-sync')!.interactions;
    expect(ps[0]!.providerStates).toEqual([
      {
        name: 'platform-sync app demo-app exists',
        params: { 'platform-sync': { apps: [{ appid: 'demo-app', secret: 'pact-example-secret-1' }] } },
      },
    ]);
    expect(ps[3]!.providerStates!.map((s) => s.name)).toEqual([
      'a platform-sync token was issued',
      'platform-sync school 101 exists',
    ]);
    expect(ps[3]!.providerStates![1]!.params).toEqual({
      'platform-sync': {
        schools: [
          {
            organName: '武汉一中',
            organKind: 3,
            provinceName: '湖北省',
            cityName: '武汉市',
            areaName: '江岸区',
            otherId: 101,
          },
        ],
      },
    });
    expect(ps[5]!.providerStates!.map((s) => s.name)).toContain('platform-sync user 301 exists');
    expect(ps[6]!.providerStates!.map((s) => s.name)).toEqual(['a platform-sync token was issued']);
    expect(pacts.get('wuhan-eduyun')!.interactions[0]!.providerStates!.map((s) => s.name)).toEqual([
      'a wuhan-eduyun access token was issued',
      'wuhan-eduyun org demo-org exists',
    ]);
    expect(pacts.get('ios-datasyn')!.interactions[2]!.providerStates!.map((s) => s.name)).toEqual([
      'ios-datasyn user zhangsan logged in on iphone-1',
    ]);
    expect(pacts.get('wx-push')!.interactions[2]!.providerStates!.map((s) => s.name)).toEqual([
      'wx-push project 1 exists',
    ]);
  });

  test('values that differ run to run get matchers; the business code is matched exactly', () => {
    const token = pacts.get('platform-sync')!.interactions[0]!.response;
    expect(token.body!.content).toMatchObject({
      status: 200,
      data: { access_token: 'pact-example-access_token-1', expire: '2018-07-18 17:08:43' },
    });
    expect(token.matchingRules['body']).toMatchObject({
      $: { matchers: [{ match: 'type' }] },
      '$.status': { matchers: [{ match: 'equality' }] },
      '$.data.expire': { matchers: [{ match: 'regex' }] },
    });
    expect(pacts.get('ios-datasyn')!.interactions[0]!.response.matchingRules['body']!['$.meta.status']).toEqual({
      combine: 'AND',
      matchers: [{ match: 'equality' }],
    });
    expect(pacts.get('wuhan-eduyun')!.interactions[1]!.response.matchingRules['body']!['$.code']).toEqual({
      combine: 'AND',
      matchers: [{ match: 'equality' }],
    });
  });

  test('no secret reaches the file: the seed secret, the seed token and every issued token are placeholders', () => {
    const text = JSON.stringify([...pacts.values()]);
    const issued = m.calls
      .flatMap((c) => [
        ((c.response.body as JsonObject)?.['data'] as JsonObject | undefined)?.['access_token'],
        ((c.response.body as JsonObject)?.['data'] as JsonObject | undefined)?.['token'],
      ])
      .filter((t): t is string => typeof t === 'string');
    expect(issued.length).toBeGreaterThan(1);
    for (const secret of ['demo-secret', 'demo-token', '***', ...issued]) expect(text).not.toContain(secret);
  });

  test('a secret inside a value (URL credentials) becomes a placeholder where it stands, in requests, answers and states', async () => {
    const other = await testMock();
    await wxPushFlow(other, 'creds', 'http://hook:pw-5a9c7e@127.0.0.1:9/hook');
    const pact = pactsOf(other, await other.journal.query('creds')).pacts[0]!.pact;
    const text = JSON.stringify(pact);
    expect(text).not.toContain('pw-5a9c7e');
    expect(text).not.toContain('***');
    expect(pact.interactions[0]!.request.body!.content).toBe(
      `url=${encodeURIComponent('http://pact-example-url-1@127.0.0.1:9/hook')}&project=${encodeURIComponent('校园通知')}`,
    );
    expect(JSON.stringify(pact.interactions[2]!.providerStates)).toContain(
      'http://pact-example-url-1@127.0.0.1:9/hook',
    );
  });

  test('the same flow on another mock (other seed, clock and tokens) writes the same file', async () => {
    const other = await testMock({ seed: 7, clock: fixedClock(T0 + 86_400_000 + 1234) });
    const again = pactsOf(other, await recordFlows(other, 'another-session'));
    expect(JSON.stringify(again.pacts)).toBe(JSON.stringify(pactsOf(m, calls).pacts));
  });

  test('calls that broke the contract are left out, and say why', async () => {
    const bad = await testMock();
    await (
      await import('supertest')
    )
      .default(bad.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Session', 'x')
      .send({ appid: 'demo-app' });
    const built = pactsOf(bad, await bad.journal.query('x'));
    expect(built.pacts).toEqual([]);
    expect(built.skipped).toEqual([{ id: expect.any(String), why: 'its request broke the contract' }]);
  });
});

describe('the pact verifies against contract-mock through its provider-state endpoint', () => {
  let fresh: TestMock;
  let url: string;
  let drift: Awaited<ReturnType<typeof driftServer>>;
  const replay = (session: string) => ({ statesUrl: `${url}/__mock/pact/states`, session, timeoutMs: 5000 });
  beforeAll(async () => {
    fresh = await testMock({ seed: 9 });
    url = await listen(fresh.server);
    drift = await driftServer(url, [
      DRIFTS['renamedField']!,
      DRIFTS['statusAsString']!,
      DRIFTS['html500']!,
      DRIFTS['missingEnvelopeField']!,
      DRIFTS['undocumentedCode']!,
    ]);
  });
  afterAll(() => {
    drift.server.close();
    fresh.close();
    fresh.server.close();
  });

  test.each(['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'])(
    '%s: every interaction passes against a fresh mock',
    async (api) => {
      const results = await replayPact(url, pacts.get(api)!, replay(`verify-${api}`));
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.length).toBe(pacts.get(api)!.interactions.length);
    },
  );

  test.each(['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'])(
    '%s: each interaction passes alone, in a session of its own: its provider states set it up',
    async (api) => {
      const interactions = pacts.get(api)!.interactions;
      for (const [n, i] of interactions.entries())
        expect((await replayInteraction(url, api, i, replay(`alone-${api}-${n}`))).failures, i.description).toEqual([]);
    },
  );

  test('against a drifted provider the interactions it breaks fail, the others pass', async () => {
    const failed = async (api: string) =>
      (
        await replayPact(drift.url, pacts.get(api)!, {
          ...replay(`drift-${api}`),
          statesUrl: `${drift.url}/__mock/pact/states`,
        })
      )
        .filter((r) => !r.ok)
        .map((r) => r.operationId);
    expect(await failed('platform-sync')).toEqual([
      'channelToken',
      'channelToken',
      'syncDeleteUserMetadata',
      'syncDeleteUserMetadata',
    ]);
    expect(await failed('wuhan-eduyun')).toEqual(['getOrgInfo', 'getOrgInfo']);
    expect(await failed('ios-datasyn')).toEqual(['register', 'login', 'ignore']);
    expect(await failed('wx-push')).toEqual([
      'addPushProject',
      'queryPushProject',
      'updatePushProject',
      'deletePushProject',
    ]);
  });

  test('the state endpoint refuses a bad state in problem+json, and a teardown changes nothing', async () => {
    const post = (body: unknown) =>
      fetch(`${url}/__mock/pact/states`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const noName = await post({ params: {} });
    expect(noName.status).toBe(400);
    expect(noName.headers.get('content-type')).toContain('application/problem+json');
    const badRecord = await post({
      state: 'platform-sync school x exists',
      params: { 'platform-sync': { schools: [{ otherId: 'x' }] } },
    });
    expect(badRecord.status).toBe(400);
    expect(((await badRecord.json()) as { detail: string }).detail).toContain(
      'Provider state "platform-sync school x exists"',
    );
    expect((await post({ state: 'anything', action: 'teardown' })).status).toBe(200);
    expect(await (await post({ state: 'a state with nothing to seed' })).json()).toMatchObject({ written: 0 });
  });
});
