/** Scenario files of a QA team's own: predicates, times, steps, given, hot reload, and lint messages with file, line and field. */
import { mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { testMock, loadContract } from '../helpers/mock.js';
import { lintScenarios } from '../../src/scenarios/lint-scenarios.js';
import { API_MODULES } from '../../src/server/create-mock.js';
import { defaultScenariosDir } from '../../src/scenarios/load-scenarios.js';

const dirs: string[] = [];
const mocks: Array<{ close(): void }> = [];
afterEach(() => mocks.splice(0).forEach((m) => m.close()));

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cm-scn-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  dirs.push(dir);
  return dir;
}

async function mockWith(dir: string, extra: Parameters<typeof testMock>[0] = {}) {
  const logs: string[] = [];
  const m = await testMock({ scenarioDirs: [dir], log: (l) => logs.push(l), ...extra });
  mocks.push(m);
  return Object.assign(m, { logs });
}

const SYNC = `name: upload-fails-for-usertest
description: syntabledata fails while the json field uploads usertest rows with word apple
rules:
  - when:
      operationId: syntabledata
      headers: { x-client: { matches: "^ios/" } }
      body: { json: { tableData: { usertest: { exists: true } } } }
    then: { error: "3000" }
`;

describe('rules', () => {
  test('predicates on headers and on fields inside JSON carried in a form field', async () => {
    const m = await mockWith(folder({ 'upload-fails-for-usertest.yaml': SYNC }));
    const form = (json: object, client = 'ios/2.1') =>
      request(m.listener)
        .post('/datasyn/syn/syntabledata')
        .set('X-Mock-Scenario', 'upload-fails-for-usertest')
        .set('X-Client', client)
        .type('form')
        .send({ token: '9:9', json: JSON.stringify(json) });
    expect((await form({ downSynTable: [], tableData: { usertest: [{ userId: 9 }] } })).body.meta.status).toBe(3000);
    // No usertest rows, or another client: the rule does not match and the real handler answers (unknown token: 4).
    expect((await form({ downSynTable: [], tableData: {} })).body.meta.status).toBe(4);
    expect(
      (await form({ downSynTable: [], tableData: { usertest: [{ userId: 9 }] } }, 'android/1')).body.meta.status,
    ).toBe(4);
  });

  /** One scenario per `when` field, each answering 503 when it applies, tried against calls it must and must not match. */
  const WHEN: Record<string, string> = {
    'api-one': '{ api: platform-sync }',
    'api-list': '{ api: [wx-push, wuhan-eduyun] }',
    'op-list': '{ operationId: [getOrgInfo, syncDeleteOrganMetadata] }',
    'method-lower': '{ method: get }',
    'method-list': '{ method: [PUT, POST] }',
    'path-concrete': '{ path: /v1/abutment/syncDeleteOrganMetadata/7 }',
    'path-template': '{ path: "/v1/abutment/syncDeleteOrganMetadata/{otherId}" }',
    authenticated: '{ authenticated: true }',
    unauthenticated: '{ authenticated: false }',
    query: '{ query: { org_id: demo-org } }',
    'header-mixed-case': '{ headers: { X-Client: ios } }',
    body: '{ body: { appid: demo-app } }',
    'query-in': '{ query: { org_id: { in: [other, demo-org] } } }',
    'query-absent': '{ query: { org_id: { exists: false } } }',
    'query-pattern': '{ query: { org_id: { matches: "^o" } } }',
    'query-number': '{ query: { org_id: 7 } }',
    'header-present': '{ headers: { x-client: { exists: true } } }',
    'all-but-one':
      '{ api: platform-sync, operationId: channelToken, method: POST, path: /v1/channel/token, body: { appid: someone-else } }',
  };

  test('each `when` field narrows its rule: api, operationId and method lists (any case), path as sent or as documented, authenticated, query (equal as text, in, exists, matches), headers by any case, body', async () => {
    const m = await mockWith(
      folder(
        Object.fromEntries(
          Object.entries(WHEN).map(([name, when]) => [
            `${name}.yaml`,
            `name: ${name}\ndescription: d\nrules:\n  - when: ${when}\n    then: { httpError: 503 }\n`,
          ]),
        ),
      ),
    );
    expect(m.logs).toEqual([]);
    const post = (path: string, scenario: string) => request(m.listener).post(path).set('X-Mock-Scenario', scenario);
    const get = (path: string, scenario: string) => request(m.listener).get(path).set('X-Mock-Scenario', scenario);
    const calls: Record<string, (scenario: string) => request.Test> = {
      token: (s) => post('/v1/channel/token', s).send({ appid: 'demo-app', secret: 'demo-secret' }),
      otherApp: (s) => post('/v1/channel/token', s).send({ appid: 'other-app', secret: 'demo-secret' }),
      tokenFromIos: (s) =>
        post('/v1/channel/token', s).set('X-Client', 'ios').send({ appid: 'demo-app', secret: 'demo-secret' }),
      org: (s) => get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=x', s),
      otherOrg: (s) => get('/user/openapi/org/get-org-info?org_id=other-org&access_token=x', s),
      org7: (s) => get('/user/openapi/org/get-org-info?org_id=7&access_token=x', s),
      delete7: (s) => post('/v1/abutment/syncDeleteOrganMetadata/7', s).send({ access_token: 'x' }),
      delete8: (s) => post('/v1/abutment/syncDeleteOrganMetadata/8', s).send({ access_token: 'x' }),
    };
    const applies: Record<string, string[]> = {};
    for (const name of Object.keys(WHEN)) {
      applies[name] = [];
      for (const [call, send] of Object.entries(calls)) if ((await send(name)).status === 503) applies[name].push(call);
    }
    expect(applies).toEqual({
      'api-one': ['token', 'otherApp', 'tokenFromIos', 'delete7', 'delete8'],
      'api-list': ['org', 'otherOrg', 'org7'],
      'op-list': ['org', 'otherOrg', 'org7', 'delete7', 'delete8'],
      'method-lower': ['org', 'otherOrg', 'org7'],
      'method-list': ['token', 'otherApp', 'tokenFromIos', 'delete7', 'delete8'],
      'path-concrete': ['delete7'],
      'path-template': ['delete7', 'delete8'],
      authenticated: ['org', 'otherOrg', 'org7', 'delete7', 'delete8'],
      unauthenticated: ['token', 'otherApp', 'tokenFromIos'],
      query: ['org'],
      'header-mixed-case': ['tokenFromIos'],
      body: ['token', 'tokenFromIos'],
      'query-in': ['org'],
      'query-absent': ['token', 'otherApp', 'tokenFromIos', 'delete7', 'delete8'],
      'query-pattern': ['otherOrg'],
      'query-number': ['org7'],
      'header-present': ['tokenFromIos'],
      'all-but-one': [],
    });
  });

  test("the request's scenarios go first, then the session's in the order activated; delays add up until the first rule that decides", async () => {
    const rule = (then: string, description = '') =>
      `  - when: { operationId: channelToken }\n    then: ${then}\n${description && `    description: ${description}\n`}`;
    const slept: number[] = [];
    const m = await mockWith(
      folder({
        'wait.yaml': `name: wait\ndescription: d\nrules:\n${rule('{ delay: 10 }', 'slow token')}${rule('{ delay: { min: 7, max: 7 } }')}`,
        'refuse.yaml': `name: refuse\ndescription: d\nrules:\n${rule('{ error: "40001" }')}`,
        'gateway.yaml': `name: gateway\ndescription: d\nrules:\n${rule('{ httpError: 502 }')}${rule('{ httpError: 504 }')}`,
      }),
      { sleep: async (ms) => void slept.push(ms) },
    );
    const token = (scenario?: string) => {
      const r = request(m.listener).post('/v1/channel/token').set('X-Mock-Session', 's');
      return (scenario ? r.set('X-Mock-Scenario', scenario) : r).send({ appid: 'demo-app', secret: 'demo-secret' });
    };
    await request(m.listener)
      .post('/__mock/scenarios/active')
      .set('X-Mock-Session', 's')
      .send({ name: 'gateway' })
      .expect(201);
    await request(m.listener)
      .post('/__mock/scenarios/active')
      .set('X-Mock-Session', 's')
      .send({ name: 'refuse' })
      .expect(201);

    const first = await token('wait');
    expect([first.status, first.headers['x-mock-scenario-applied'], slept]).toEqual([
      502,
      '["wait#0","wait#1","gateway#0"]',
      [17],
    ]);
    const record = (await request(m.listener).get('/__mock/calls?limit=1').set('X-Mock-Session', 's')).body[0];
    expect(record.scenarios).toEqual([
      { scenario: 'wait', rule: 0, description: 'slow token' },
      { scenario: 'wait', rule: 1 },
      { scenario: 'gateway', rule: 0 },
    ]);
    // Asked for and active: once, in the request's place.
    expect((await token('refuse')).body.code).toBe('40001');
    await request(m.listener).delete('/__mock/scenarios/active/gateway').set('X-Mock-Session', 's');
    const last = await token();
    expect([last.body.code, last.headers['x-mock-scenario-applied'], slept]).toEqual(['40001', '["refuse#0"]', [17]]);
  });

  test('times and steps count per session; deactivating starts the sequence over', async () => {
    const m = await mockWith(
      folder({
        'twice.yaml': `name: twice\ndescription: two 40001s\nrules:\n  - when: { operationId: channelToken }\n    then: { error: "40001" }\n    times: 2\n`,
        'steps.yaml': `name: steps\ndescription: ordered outcomes\nrules:\n  - when: { operationId: channelToken, query: {} }\n    steps:\n      - { error: "402" }\n      - { pass: true }\n      - { httpError: 502 }\n`,
      }),
    );
    const token = (session: string) =>
      request(m.listener)
        .post('/v1/channel/token')
        .set('X-Mock-Session', session)
        .send({ appid: 'demo-app', secret: 'demo-secret' });
    await request(m.listener).post('/__mock/scenarios/active').set('X-Mock-Session', 's1').send({ name: 'twice' });
    expect([(await token('s1')).body.code, (await token('s1')).body.code, (await token('s1')).body.status]).toEqual([
      '40001',
      '40001',
      200,
    ]);
    await request(m.listener).post('/__mock/scenarios/active').set('X-Mock-Session', 's2').send({ name: 'steps' });
    const seen = [];
    for (let i = 0; i < 4; i++)
      seen.push(
        (await token('s2')).status +
          ':' +
          ((await request(m.listener).get('/__mock/calls?limit=1').set('X-Mock-Session', 's2')).body[0].response.code ??
            '-'),
      );
    expect(seen).toEqual(['200:402', '200:200', '502:-', '200:200']);
    await request(m.listener).delete('/__mock/scenarios/active/steps').set('X-Mock-Session', 's2');
    await request(m.listener).post('/__mock/scenarios/active').set('X-Mock-Session', 's2').send({ name: 'steps' });
    expect((await token('s2')).body).toEqual({ status: 402, message: '参数错误' });
  });

  test('given seeds state on activation (records of any API, tokens with a TTL)', async () => {
    const m = await mockWith(
      folder({
        'erp-ready.yaml': `name: erp-ready
description: an ERP app, a school and a short-lived wuhan token exist
given:
  platform-sync:
    apps: [{ appid: erp, secret: s }]
  wuhan-eduyun:
    tokens: [{ access_token: short, ttlSeconds: 60 }]
rules:
  - when: { operationId: getOrgInfo }
    then: { delay: 10 }
`,
      }),
    );
    await request(m.listener).post('/__mock/scenarios/active').send({ name: 'erp-ready' }).expect(201);
    expect((await request(m.listener).post('/v1/channel/token').send({ appid: 'erp', secret: 's' })).body.status).toBe(
      200,
    );
    expect(
      (await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=short')).body.code,
    ).toBe('000000');
    await request(m.listener).post('/__mock/clock').send({ advanceSeconds: 60 });
    expect(
      (await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=short')).body.code,
    ).toBe('100001');
  });
});

describe('hot reload', () => {
  test('an edit takes effect without a restart; an invalid edit keeps the old version and logs why', async () => {
    const dir = folder({
      'school.yaml': `name: school\ndescription: d\nrules:\n  - when: { operationId: syncDeleteOrganMetadata }\n    then: { error: "40410" }\n`,
    });
    const m = await mockWith(dir, { watchScenarios: true });
    const del = () =>
      request(m.listener)
        .post('/v1/abutment/syncDeleteOrganMetadata/1')
        .set('X-Mock-Scenario', 'school')
        .send({ access_token: 'x' });
    expect((await del()).body.code).toBe('40410');

    const reloaded = new Promise((r) => m.scenarios.once('reload', r));
    writeFileSync(
      join(dir, 'school.yaml'),
      `name: school\ndescription: d\nrules:\n  - when: { operationId: syncDeleteOrganMetadata }\n    then: { httpError: 502 }\n`,
    );
    await reloaded;
    expect((await del()).status).toBe(502);

    const rejected = new Promise((r) => m.scenarios.once('invalid', r));
    writeFileSync(
      join(dir, 'school.yaml'),
      `name: school\ndescription: d\nrules:\n  - when: { operationId: syncDeleteOrganMetadata }\n    then: { fault: explode }\n`,
    );
    await rejected;
    expect((await del()).status).toBe(502);
    expect(m.logs.join('\n')).toMatch(
      /invalid edit to .*school\.yaml, keeping the previous version:\n\s+.*school\.yaml:5 \/rules\/0\/then\/fault/,
    );

    const added = new Promise((r) => m.scenarios.once('reload', r));
    writeFileSync(
      join(dir, 'brand-new.yaml'),
      `name: brand-new\ndescription: d\nrules:\n  - when: {}\n    then: { httpError: 503 }\n`,
    );
    await added;
    expect(
      (await request(m.listener).get('/__mock/scenarios')).body.available.map((s: { name: string }) => s.name),
    ).toContain('brand-new');
  });
});

describe('hot reload of removals', () => {
  test('a deleted file takes its scenario away; a new invalid file is not loaded; files that are not YAML are ignored; deleting a refused file keeps the built-in of that name; the list is sorted by name', async () => {
    const dir = folder({
      'my-token-down.yaml': `name: my-token-down\ndescription: d\nrules:\n  - when: { operationId: channelToken }\n    then: { error: "40001" }\n`,
      'flaky.yaml': `name: flaky\ndescription: mine\nrules:\n  - when: {}\n    then: { httpError: 500 }\n`,
    });
    const m = await mockWith(dir, { scenarioDirs: [defaultScenariosDir(), dir], watchScenarios: true });
    const events: string[] = [];
    for (const event of ['reload', 'invalid', 'removed'])
      m.scenarios.on(event, (name: string) => events.push(`${event} ${name}`));
    const available = async () =>
      (await request(m.listener).get('/__mock/scenarios')).body.available.map(
        (s: { name: string }) => s.name,
      ) as string[];
    const names = await available();
    expect(names).toContain('my-token-down');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));

    // Each file's change is handled in the order the files changed: the last one's event means the others are done.
    const removed = new Promise((r) => m.scenarios.once('removed', r));
    writeFileSync(join(dir, 'notes.txt'), 'name: notes\n');
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\n');
    unlinkSync(join(dir, 'flaky.yaml'));
    unlinkSync(join(dir, 'my-token-down.yaml'));
    await removed;
    expect(events).toEqual(['invalid broken', 'removed my-token-down']);
    expect(m.logs.join('\n')).toContain(`invalid edit to ${join(dir, 'broken.yaml')}, not loaded:`);
    expect(m.logs.join('\n')).toContain(`scenario my-token-down removed (${join(dir, 'my-token-down.yaml')} is gone)`);
    expect(await available()).not.toContain('my-token-down');
    expect(m.scenarios.get('flaky')!.file).toBe(join(defaultScenariosDir(), 'flaky.yaml'));
    const token = await request(m.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Scenario', 'my-token-down')
      .send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(token.status).toBe(400);
  });
});

describe('lint', () => {
  test('errors name file, line and field', async () => {
    const dir = folder({
      'bad-fields.yaml': `name: bad-fields\ndescription: d\nrules:\n  - when: { operationId: channelToken }\n    then:\n      eror: "40001"\n`,
      'bad-code.yaml': `name: bad-code\ndescription: d\nrules:\n  - when: { api: wx-push }\n    then: { error: "40410" }\n`,
      'bad-op.yaml': `name: bad-op\ndescription: d\nrules:\n  - when:\n      operationId: syncSaveSchool\n    then: { delay: 5 }\n`,
      'wrong-name.yaml': `name: other\ndescription: d\nrules:\n  - when: {}\n    then: { pass: true }\n`,
      'broken.yaml': `name: broken\n  description: [\n`,
      'bad-regex.yaml': `name: bad-regex\ndescription: d\nrules:\n  - when:\n      headers: { x-client: { matches: "(" } }\n    then: { delay: 5 }\n`,
    });
    const contract = await loadContract();
    const messages = lintScenarios([dir], contract, new Map(API_MODULES.map((m) => [m.api, m])));
    const text = messages.map((m) => `${m.file.split('/').pop()}:${m.line} ${m.message}`);
    expect(text).toContain('bad-fields.yaml:6 /rules/0/then/eror: unknown field "eror"');
    expect(text).toContain('bad-code.yaml:5 /rules/0/then/error: "40410" is not in the error catalogue of wx-push');
    expect(text).toContain('bad-op.yaml:5 /rules/0/when/operationId: no operation "syncSaveSchool" in the specs');
    expect(text).toContain('wrong-name.yaml:1 /name: "other" must equal the file name (wrong-name.yaml)');
    expect(text.some((t) => t.startsWith('broken.yaml:1 YAML:'))).toBe(true);
    expect(
      text.some((t) =>
        /^bad-regex\.yaml:5 \/rules\/0\/when\/headers\/x-client\/matches: not a regular expression/.test(t),
      ),
    ).toBe(true);
  });
});

describe("a project's own scenario folder beside the built-ins", () => {
  const CLASH = `name: flaky\ndescription: mine\nrules:\n  - when: {}\n    then: { httpError: 500 }\n`;
  const MINE = `name: my-token-down\ndescription: mine\nrules:\n  - when: { operationId: channelToken }\n    then: { error: "40001" }\n`;

  test('loads its files, refuses a name a built-in has (file:line), also when the clash arrives by hot reload', async () => {
    const dir = folder({ 'my-token-down.yaml': MINE, 'flaky.yaml': CLASH });
    const m = await mockWith(dir, { scenarioDirs: [defaultScenariosDir(), dir], watchScenarios: true });
    const names = (await request(m.listener).get('/__mock/scenarios')).body.available.map(
      (s: { name: string }) => s.name,
    );
    expect(names).toContain('my-token-down');
    expect(names).toContain('token-expired');
    expect(m.scenarios.get('flaky')!.file).toBe(join(defaultScenariosDir(), 'flaky.yaml'));
    expect(m.logs.join('\n')).toContain(
      `${join(dir, 'flaky.yaml')}:1 /name: "flaky" is already the name of ${join(defaultScenariosDir(), 'flaky.yaml')}`,
    );
    const token = await request(m.listener)
      .post('/v1/channel/token')
      .set('X-Mock-Scenario', 'my-token-down')
      .send({ appid: 'demo-app', secret: 'demo-secret' });
    expect(token.body.code).toBe('40001');

    const rejected = new Promise((r) => m.scenarios.once('invalid', r));
    writeFileSync(join(dir, 'slow-network.yaml'), CLASH.replace('flaky', 'slow-network'));
    await rejected;
    expect(m.scenarios.get('slow-network')!.file).toBe(join(defaultScenariosDir(), 'slow-network.yaml'));
  });

  test('lint checks the folder against the built-in names', async () => {
    const dir = folder({ 'my-token-down.yaml': MINE, 'flaky.yaml': CLASH });
    const contract = await loadContract();
    const modules = new Map(API_MODULES.map((m) => [m.api, m]));
    const builtIn = new Map([['flaky', join(defaultScenariosDir(), 'flaky.yaml')]]);
    const text = lintScenarios([dir], contract, modules, builtIn).map(
      (m) => `${m.file.split('/').pop()}:${m.line} ${m.message}`,
    );
    expect(text).toEqual([
      `flaky.yaml:1 /name: "flaky" is already the name of ${relative(process.cwd(), join(defaultScenariosDir(), 'flaky.yaml'))}; rename this file and its name`,
    ]);
  });
});

describe('lint in one pass', () => {
  test('every problem of a file at once, each one sentence with file:line', async () => {
    const dir = folder({
      'many.yaml': [
        'name: many',
        'description: d',
        'colour: red',
        'rules:',
        '  - when: { operationId: syncSaveSchool }',
        '    then: { error: "40410", httpError: 500 }',
        '  - when: { api: platform-sync }',
        '  - when: { api: wx-push }',
        '    then: { error: "40410" }',
        '    steps: [{ pass: true }]',
        '',
      ].join('\n'),
    });
    const contract = await loadContract();
    const text = lintScenarios([dir], contract, new Map(API_MODULES.map((m) => [m.api, m]))).map(
      (m) => `${m.file.split('/').pop()}:${m.line} ${m.message}`,
    );
    expect(text.sort()).toEqual(
      [
        'many.yaml:3 /colour: unknown field "colour"',
        'many.yaml:5 /rules/0/when/operationId: no operation "syncSaveSchool" in the specs',
        'many.yaml:6 /rules/0/then: `then` takes exactly one of error, httpError, body, fault, pass (besides message, status, headers, delay, effect); this one has error and httpError',
        'many.yaml:7 /rules/1: a rule needs `then` (one answer) or `steps` (answers in turn)',
        'many.yaml:8 /rules/2: a rule takes `then` or `steps`, not both',
        'many.yaml:9 /rules/2/then/error: "40410" is not in the error catalogue of wx-push',
      ].sort(),
    );
  });
});

describe('scenarios/README.md', () => {
  test('documents every built-in scenario with its QA question (the table is generated from the files)', async () => {
    // @ts-expect-error plain ESM script without types
    const { scenariosTable, renderScenariosReadme } = await import('../../scripts/scenarios-table.mjs');
    const { readFileSync } = await import('node:fs');
    const { defaultScenariosDir } = await import('../../src/scenarios/load-scenarios.js');
    const readme = readFileSync(join(defaultScenariosDir(), 'README.md'), 'utf8');
    const table = scenariosTable(defaultScenariosDir()) as string;
    expect(renderScenariosReadme(readme, table)).toBe(readme);
    for (const row of table.split('\n').slice(2)) expect(row).toMatch(/^\| `[a-z-]+` \| [^|]+\? \|/);
  });
});
