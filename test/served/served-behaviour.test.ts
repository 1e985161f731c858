/**
 * A served spec behaves by its own contract: REST state by convention (PUT replaces, PATCH merges, an
 * envelope list, x-mock-state: false), Prefer, problem+json violations in Prism's shape, an API key in
 * the query, scenarios by its operationIds, --state, path collisions refused; and a built-in operation
 * without a handler is answered from its spec.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { compileContract } from '../../src/contract/compile-contract.js';
import { defaultSpecsDir, loadServedSpec, loadSpecs } from '../../src/contract/load-specs.js';
import { createMock } from '../../src/server/create-mock.js';
import { fixedClock } from '../../src/state/store.js';
import { T0 } from '../helpers/mock.js';
import { oasExample, servedContract, servedMock } from '../helpers/served.js';

const WIDGETS = join(import.meta.dirname, 'fixtures', 'widgets.openapi.json');

describe('REST state by convention (an OpenAPI 3.0 document in JSON)', () => {
  test('create generates the id and the read-only fields; the list is the envelope the spec documents, filtered by a field', async () => {
    const m = await servedMock([WIDGETS]);
    const a = await request(m.listener).post('/v1/widgets').send({ name: 'A', color: null, size: 2 });
    expect(a.status).toBe(201);
    // nullable (3.0) accepts null; widgetId (the path parameter's name) is the id; createdAt is read-only, so generated.
    expect(a.body).toEqual({
      name: 'A',
      color: null,
      size: 2,
      widgetId: '1',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    await request(m.listener).post('/v1/widgets').send({ name: 'B', color: 'red' });
    const list = await request(m.listener).get('/v1/widgets');
    expect(list.body).toEqual({ items: [a.body, expect.objectContaining({ name: 'B' })], total: 2 });
    expect((await request(m.listener).get('/v1/widgets?color=red')).body).toEqual({
      items: [expect.objectContaining({ name: 'B' })],
      total: 1,
    });
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test('PUT replaces the item, PATCH merges into it (null removes a field), the id stays; a missing item is 404 problem+json', async () => {
    // Strict REST state: widget 9 was never created, so it is missing (under overlay it would exist untouched).
    const m = await servedMock([WIDGETS], { restState: 'strict' });
    const { body: created } = await request(m.listener).post('/v1/widgets').send({ name: 'A', color: 'red', size: 2 });
    const put = await request(m.listener).put('/v1/widgets/1').send({ name: 'A2' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ name: 'A2', widgetId: '1', createdAt: expect.any(String) });
    await request(m.listener).put('/v1/widgets/1').send({ name: 'A3', color: 'blue', size: 5 });
    const patched = await request(m.listener).patch('/v1/widgets/1').send({ color: null, size: 9 });
    expect(patched.body).toEqual({ name: 'A3', size: 9, widgetId: '1', createdAt: expect.any(String) });
    expect((await request(m.listener).get('/v1/widgets/1')).body).toEqual(patched.body);
    // A merge patch may say so in its media type.
    const typed = await request(m.listener)
      .patch('/v1/widgets/1')
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ size: 3 }));
    expect([typed.status, typed.body.size]).toEqual([200, 3]);
    await request(m.listener).patch('/v1/widgets/1').send({ size: 9 });
    expect(created.widgetId).toBe('1');
    const missing = await request(m.listener).patch('/v1/widgets/9').send({ size: 1 });
    expect(missing.status).toBe(404);
    expect(missing.type).toBe('application/problem+json');
    expect(missing.body).toMatchObject({ status: 404, detail: expect.stringContaining('no item 9') });
    m.close();
  });

  test('x-mock-state: false on a path item or an operation keeps it stateless: the documented example answers', async () => {
    const m = await servedMock([WIDGETS]);
    const created = await request(m.listener).post('/v1/gadgets').send({ id: 1, label: 'mine' });
    expect(created.body).toEqual({ id: 7, label: 'the documented gadget' });
    expect((await request(m.listener).get('/v1/gadgets/1')).body).toEqual({ id: 7, label: 'the documented gadget' });
    const widgets = m.contract.apis.get('widgets')!.operations;
    expect(
      widgets
        .filter((o) => o.rest)
        .map((o) => `${o.operationId}:${o.rest!.kind}`)
        .sort(),
    ).toEqual([
      'createWidget:create',
      'deleteWidget:delete',
      'getWidget:read',
      'listWidgets:list',
      'replaceWidget:replace',
      'updateWidget:merge',
    ]);
    m.close();
  });

  test("a body that breaks the contract, where the spec documents no error, gets problem+json 422 with the violations in Prism's shape", async () => {
    const m = await servedMock([WIDGETS]);
    const res = await request(m.listener).post('/v1/widgets').send({ size: 0 });
    expect(res.status).toBe(422);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 422, title: 'Invalid request' });
    expect(res.body.validation).toEqual(
      expect.arrayContaining([
        { location: ['body', 'name'], severity: 'Error', code: 'required', message: 'is required' },
        { location: ['body', 'size'], severity: 'Error', code: 'minimum', message: 'must be >= 1' },
      ]),
    );
    expect(
      (await request(m.listener).post('/v1/widgets').set('content-type', 'application/json').send('{"name":')).status,
    ).toBe(422);
    expect((await request(m.listener).get('/v1/widgets')).body).toEqual({ items: [], total: 0 });
    m.close();
  });

  test('a bare integer field is an int64: 1e20 is a violation whatever its notation, 9007199254740993 and 3.0 are integers', async () => {
    const m = await servedMock([WIDGETS]);
    const send = (size: string) =>
      request(m.listener)
        .post('/v1/widgets')
        .set('content-type', 'application/json')
        .send(`{"name":"A","size":${size}}`);
    for (const size of ['1e20', '9.3E18', '99999999999999999999']) {
      const res = await send(size);
      expect([size, res.status]).toEqual([size, 422]);
      expect(res.body.validation).toEqual([
        {
          location: ['body', 'size'],
          severity: 'Error',
          code: expect.any(String),
          message: expect.stringMatching(/outside int64/),
        },
      ]);
    }
    const exact = await send('9007199254740993');
    expect(exact.status).toBe(201);
    expect(exact.text).toContain('"size":9007199254740993');
    expect((await send('3.0')).body.size).toBe(3);
    m.close();
  });
});

describe('Prefer, header parameters and security', () => {
  test('a required header parameter is validated like the rest of the request', async () => {
    const m = await servedMock([WIDGETS]);
    const missing = await request(m.listener).get('/v1/trace');
    expect(missing.status).toBe(422);
    expect(missing.body.validation).toEqual([
      { location: ['headers', 'x-trace-id'], severity: 'Error', code: 'required', message: 'is required' },
    ]);
    expect((await request(m.listener).get('/v1/trace').set('X-Trace-Id', 'abc')).status).toBe(422);
    const ok = await request(m.listener).get('/v1/trace').set('X-Trace-Id', '12');
    expect([ok.status, ok.body]).toEqual([200, { traced: true }]);
    m.close();
  });

  test('Prefer names an example or a status; an unknown one is a 400 that lists what exists', async () => {
    const m = await servedMock([WIDGETS]);
    expect((await request(m.listener).get('/v1/status')).body).toEqual({ state: 'up' });
    expect((await request(m.listener).get('/v1/status').set('Prefer', 'example=down')).body).toEqual({ state: 'down' });
    const maintenance = await request(m.listener).get('/v1/status').set('Prefer', 'code=503');
    expect(maintenance.status).toBe(503);
    expect(maintenance.body.retryAfter).toBeGreaterThanOrEqual(1);
    const wrong = await request(m.listener).get('/v1/status').set('Prefer', 'example=sideways');
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toContain('up, down');
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test('an API key in the query: 401 with a challenge without it, 200 with it; the key is masked in the journal', async () => {
    const m = await servedMock([WIDGETS]);
    const refused = await request(m.listener).get('/v1/secure');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('ApiKey');
    const ok = await request(m.listener).get('/v1/secure?key=sekrit-value-42');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: expect.any(Boolean) });
    expect(JSON.stringify(m.journal.query('default'))).not.toContain('sekrit-value-42');
    expect(m.journal.query('default')).toHaveLength(2);
    m.close();
  });
});

describe('scenarios, --state and start-up checks', () => {
  test("scenario conditions by the served spec's operationIds: httpError, response, delay and fault effects", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-served-scn-'));
    writeFileSync(
      join(dir, 'widgets-down.yaml'),
      [
        'name: widgets-down',
        'description: the widget service fails',
        'rules:',
        '  - when: { operationId: getWidget }',
        '    then: { httpError: 503 }',
        '  - when: { operationId: createWidget }',
        '    then: { status: 409, body: { reason: taken } }',
        '  - when: { operationId: listWidgets }',
        '    then: { delay: 250 }',
        '  - when: { operationId: deleteWidget }',
        '    then: { fault: connection-reset }',
      ].join('\n'),
    );
    const slept: number[] = [];
    const m = await servedMock([WIDGETS], { scenarioDirs: [dir], sleep: async (ms) => void slept.push(ms) });
    const h = { 'X-Mock-Scenario': 'widgets-down' };
    expect((await request(m.listener).get('/v1/widgets/1').set(h)).status).toBe(503);
    const created = await request(m.listener).post('/v1/widgets').set(h).send({ name: 'x' });
    expect([created.status, created.body]).toEqual([409, { reason: 'taken' }]);
    expect((await request(m.listener).get('/v1/widgets').set(h)).body).toEqual({ items: [], total: 0 });
    expect(slept).toEqual([250]);
    await expect(request(m.listener).delete('/v1/widgets/1').set(h)).rejects.toThrow();
    expect(m.calls.map((c) => c.scenarios.length)).toEqual([1, 1, 1, 1]);
    m.close();
  });

  test("--state keeps a served spec's items across a restart", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'cm-served-state-'));
    const contract = await servedContract([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const first = await createMock({ contract, clock: fixedClock(T0), seed: 1, stateDir, log: () => {} });
    const { body } = await request(first.listener).post('/api/pets').send({ name: 'Kept' });
    await first.shutdown(1000);
    const second = await createMock({ contract, clock: fixedClock(T0), seed: 1, stateDir, log: () => {} });
    expect((await request(second.listener).get(`/api/pets/${body.id}`)).body).toEqual({ name: 'Kept', id: body.id });
    await second.shutdown(1000);
  });

  test("a spec whose paths collide with another's is refused with both files named", async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'cm-served-dup-')), 'my-pets.yaml');
    copyFileSync(oasExample('3.0/yaml/petstore-expanded.yaml'), copy);
    await expect(servedContract([oasExample('3.0/yaml/petstore-expanded.yaml'), copy])).rejects.toThrow(
      /my-pets\.yaml and .*petstore-expanded\.yaml both serve the path \/api\/pets/,
    );
    // Against a built-in API too: a document mounted where platform-sync's paths are.
    const clash = join(mkdtempSync(join(tmpdir(), 'cm-served-clash-')), 'clash.yaml');
    writeFileSync(
      clash,
      'openapi: 3.1.0\ninfo: { title: clash, version: "1" }\npaths:\n  /v1/channel/{what}:\n    get:\n      responses: { "200": { description: ok } }\n',
    );
    await expect(servedContract([clash])).rejects.toThrow(
      /clash\.yaml and .*platform-sync\.openapi\.yaml both serve the path \/v1\/channel\/\{what\} \(\/v1\/channel\/token\)/,
    );
  });

  test('a file that is not OpenAPI 3.0/3.1 is refused with its name and the reason', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cm-served-bad-')), 'swagger.yaml');
    writeFileSync(file, 'swagger: "2.0"\ninfo: { title: old, version: "1" }\npaths: {}\n');
    await expect(loadServedSpec(file)).rejects.toThrow(/swagger\.yaml: not an OpenAPI 3\.0 or 3\.1 document/);
  });
});

describe('a built-in operation without a handler', () => {
  test('is answered from its spec (the documented example), validated and journaled, instead of a server error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-builtin-extra-'));
    for (const f of readdirSync(defaultSpecsDir()).filter((f) => f.endsWith('.openapi.yaml')))
      copyFileSync(join(defaultSpecsDir(), f), join(dir, f));
    const file = join(dir, 'wuhan-eduyun.openapi.yaml');
    const extra = [
      '  /user/openapi/org/get-org-motto:',
      '    get:',
      '      operationId: getOrgMotto',
      '      summary: an endpoint the upstream document gained',
      '      responses:',
      "        '200':",
      '          description: the motto',
      '          content:',
      '            application/json:',
      '              schema: { type: object, required: [motto], properties: { motto: { type: string } } }',
      '              example: { motto: 厚德博学 }',
    ].join('\n');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^paths:\n/m, `paths:\n${extra}\n`));
    const contract = compileContract(await loadSpecs(dir));
    const calls: Array<{ operationId: string | null; violations: unknown[] }> = [];
    const m = await createMock({
      contract,
      clock: fixedClock(T0),
      seed: 1,
      onCall: (r) => calls.push(r),
      log: () => {},
    });
    const res = await request(m.listener).get('/user/openapi/org/get-org-motto');
    expect([res.status, res.body]).toEqual([200, { motto: '厚德博学' }]);
    expect(calls).toEqual([expect.objectContaining({ operationId: 'getOrgMotto', violations: [] })]);
    m.close();
  });
});
