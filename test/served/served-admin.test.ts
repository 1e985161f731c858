/** The admin API for a served spec as for the four: its state in GET /__mock/state, its calls filtered by api and operationId, verify, reset. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { listen } from '../helpers/listen.js';
import { oasExample, servedMock } from '../helpers/served.js';

describe('admin API with a served spec', () => {
  test('state, journal filters, POST /__mock/verify and reset see the served API', async () => {
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const s = { 'X-Mock-Session': 'qa' };
    await request(m.listener).post('/api/pets').set(s).send({ name: 'Rex' });
    await request(m.listener).post('/api/pets').set(s).send({ name: 'Tom' });
    await request(m.listener).post('/v1/channel/token').set(s).send({ appid: 'demo-app', secret: 'demo-secret' });

    const state = await request(m.listener).get('/__mock/state').set(s);
    expect(state.body.apis['petstore-expanded']['/api/pets'].map((p: { name: string }) => p.name)).toEqual([
      'Rex',
      'Tom',
    ]);
    expect(state.body.apis['platform-sync']).toBeDefined();

    const calls = await request(m.listener).get('/__mock/calls?api=petstore-expanded').set(s);
    expect(calls.body.map((c: { operationId: string }) => c.operationId)).toEqual(['addPet', 'addPet']);
    const verified = await request(m.listener).post('/__mock/verify').set(s).send({ operationId: 'addPet', count: 2 });
    expect(verified.body.ok).toBe(true);

    expect((await request(m.listener).post('/__mock/reset').set(s)).status).toBeLessThan(300);
    expect((await request(m.listener).get('/api/pets').set(s)).body).toEqual([]);
    m.close();
  });
});

describe('GET /__mock/specs with a served spec', () => {
  test('lists the --spec API and serves it with servers at this mock and its mount path kept, so a client built from it reaches the mounted paths', async () => {
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const host = { Host: '127.0.0.1:4999' };
    const list = await request(m.listener).get('/__mock/specs').set(host);
    const entry = (list.body.specs as Array<{ api: string; url: string; title: string }>).find(
      (s) => s.api === 'petstore-expanded',
    );
    expect(entry).toMatchObject({
      url: 'http://127.0.0.1:4999/__mock/specs/petstore-expanded',
      title: 'Swagger Petstore',
    });

    const doc = await request(m.listener).get('/__mock/specs/petstore-expanded').set(host);
    expect(doc.status).toBe(200);
    // The document's own server is http://petstore.swagger.io/api: the mock mounts its paths at /api.
    expect(doc.body.servers).toEqual([{ url: 'http://127.0.0.1:4999/api', description: 'this contract-mock' }]);
    expect(Object.keys(doc.body.paths)).toEqual(['/pets', '/pets/{id}']);
    const yaml = await request(m.listener).get('/__mock/specs/petstore-expanded?format=yaml').set(host);
    expect(yaml.text).toContain('url: http://127.0.0.1:4999/api');

    // What a generated client does: server URL + path, against the mock.
    const base = new URL(doc.body.servers[0].url as string).pathname;
    const created = await request(m.listener).post(`${base}/pets`).send({ name: 'Rex' });
    expect(created.status).toBe(200);
    const read = await request(m.listener).get(`${base}/pets/${created.body.id}`);
    expect(read.body).toMatchObject({ name: 'Rex', id: created.body.id });
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test('path- and operation-level servers are dropped from the served copy (the mock mounts every path at the first server)', async () => {
    const m = await servedMock([oasExample('3.0/yaml/server-path-level.yaml')]);
    const doc = await request(m.listener).get('/__mock/specs/server-path-level').set({ Host: '127.0.0.1:4999' });
    expect(doc.body.servers).toEqual([{ url: 'http://127.0.0.1:4999/v2', description: 'this contract-mock' }]);
    expect(JSON.stringify(doc.body.paths)).not.toContain('"servers"');
    m.close();
  });
});

describe("POST /__mock/state seeds a served spec's REST collections", () => {
  const seed = (m: { listener: Parameters<typeof request>[0] }, body: unknown) =>
    request(m.listener)
      .post('/__mock/state')
      .set('X-Mock-Session', 'seeded')
      .send(body as object);

  test('items seeded by their concrete path are read, listed and shown in GET /__mock/state; a create takes the next free id', async () => {
    // Strict REST state: another session must not see the seeded item 7, which under overlay would exist untouched.
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')], { restState: 'strict' });
    const s = { 'X-Mock-Session': 'seeded' };
    const res = await seed(m, {
      'petstore-expanded': { '/api/pets': [{ id: 7, name: 'Rex', tag: 'dog' }, { id: 8 }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.written).toBe(2);

    expect((await request(m.listener).get('/api/pets/7').set(s)).body).toEqual({ id: 7, name: 'Rex', tag: 'dog' });
    // Left out but required: generated, as a create fills it in.
    const eight = await request(m.listener).get('/api/pets/8').set(s);
    expect(eight.status).toBe(200);
    expect(typeof eight.body.name).toBe('string');
    expect((await request(m.listener).get('/api/pets').set(s)).body.map((p: { id: number }) => p.id).sort()).toEqual([
      7, 8,
    ]);
    const state = await request(m.listener).get('/__mock/state').set(s);
    expect(state.body.apis['petstore-expanded']['/api/pets']).toContainEqual({ id: 7, name: 'Rex', tag: 'dog' });

    const created = await request(m.listener).post('/api/pets').set(s).send({ name: 'Tom' });
    expect([7, 8]).not.toContain(created.body.id);
    // Another session never sees the seed.
    expect((await request(m.listener).get('/api/pets/7').set('X-Mock-Session', 'other')).status).toBe(404);
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test("a seeded item's field named __proto__ is kept as data, as the admin API parsed it, and lends the item nothing", async () => {
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const s = { 'X-Mock-Session': 'seeded' };
    const res = await request(m.listener)
      .post('/__mock/state')
      .set(s)
      .set('content-type', 'application/json')
      .send('{"petstore-expanded":{"/api/pets":[{"id":9,"name":"Proto","__proto__":{"tag":"cat"}}]}}');
    expect(res.status).toBe(201);
    const read = await request(m.listener).get('/api/pets/9').set(s);
    expect(read.text).toContain('"__proto__":{"tag":"cat"}');
    expect(read.body.tag).toBeUndefined();
    m.close();
  });

  test('items without their id get the next free ids, after the ids other items name; a refused seed takes none', async () => {
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const s = { 'X-Mock-Session': 'seeded' };
    // Refused (the second item breaks its schema): nothing written, and no id taken.
    expect(
      (await seed(m, { 'petstore-expanded': { '/api/pets': [{ name: 'Lost' }, { id: 3, name: 5 }] } })).status,
    ).toBe(400);
    const res = await seed(m, {
      'petstore-expanded': { '/api/pets': [{ name: 'Rex' }, { id: 1, name: 'One' }, { name: 'Tom', tag: 'cat' }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.written).toBe(3);
    const pets = (await request(m.listener).get('/api/pets').set(s)).body as Array<{ id: number; name: string }>;
    expect(pets.map((p) => [p.id, p.name]).sort()).toEqual([
      [1, 'One'],
      [2, 'Rex'],
      [3, 'Tom'],
    ]);
    expect((await request(m.listener).get('/api/pets/3').set(s)).body).toEqual({ id: 3, name: 'Tom', tag: 'cat' });
    // A create goes on from there.
    expect((await request(m.listener).post('/api/pets').set(s).send({ name: 'Max' })).body.id).toBe(4);
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test.each([
    [
      'an item breaking its schema',
      {
        '/api/pets': [
          { id: 9, name: 'ok' },
          { id: 10, name: 5 },
        ],
      },
      /petstore-expanded\["\/api\/pets"\]\[1\]\.name must be string, got 5/,
    ],
    [
      'an item whose id is null',
      { '/api/pets': [{ id: null, name: 'Rex' }] },
      /id field "id" that is no id.*leave it out/,
    ],
    ['an unknown collection', { '/api/dogs': [{ id: 1, name: 'Rex' }] }, /no collection "\/api\/dogs".*\/api\/pets/],
    ['a collection that is not an array', { '/api/pets': { id: 1 } }, /must be an array/],
  ])('%s is a problem+json 400 naming it, and nothing is written', async (_n, collections, detail) => {
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const res = await seed(m, { 'petstore-expanded': collections });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(detail);
    expect((await request(m.listener).get('/api/pets').set('X-Mock-Session', 'seeded')).body).toEqual([]);
    m.close();
  });
});

describe('GET /__mock/specs of a big document', () => {
  /** A document with one operation and a long extension: slow to write as YAML, quick to load and compile. */
  function bigDocument(): string {
    const bulk = Array.from({ length: 4000 }, (_, i) => ({ id: `t${i}`, name: '甲', tags: ['x', 'y'] }));
    const paths = { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } };
    const file = join(mkdtempSync(join(tmpdir(), 'cm-big-')), 'big.json');
    writeFileSync(
      file,
      JSON.stringify({
        openapi: '3.1.0',
        info: { title: 'Big', version: '1' },
        servers: [{ url: 'http://big.example/v1' }],
        'x-bulk': bulk,
        paths,
      }),
    );
    return file;
  }

  test('YAML is written off the event loop and kept: health answers while it is written, each client gets its own server URL', async () => {
    const m = await servedMock([bigDocument()]);
    const base = await listen(m.server);
    try {
      // Another document's YAML first, so that nothing is left to load when the big one is asked for.
      expect((await fetch(`${base}/__mock/specs/platform-sync?format=yaml`)).status).toBe(200);
      const order: string[] = [];
      const started = new Promise<void>((resolve) => m.server.once('request', () => resolve()));
      const yaml = fetch(`${base}/__mock/specs/big?format=yaml`).then(async (r) => (order.push('yaml'), r.text()));
      await started;
      const health = await fetch(`${base}/__mock/health`).then((r) => (order.push('health'), r.status));
      expect(health).toBe(200);
      const text = await yaml;
      expect(order).toEqual(['health', 'yaml']);
      expect(text).toContain(`url: ${base}/v1`);
      expect(text).toContain('id: t3999');

      // From the cache: the same text, with the server URL this client used.
      const other = await request(m.listener).get('/__mock/specs/big?format=yaml').set({ Host: 'localhost:4999' });
      expect(other.text).toBe(text.replace(`url: ${base}/v1`, 'url: http://localhost:4999/v1'));
      const json = await request(m.listener).get('/__mock/specs/big').set({ Host: 'localhost:4999' });
      expect(json.body.servers).toEqual([{ url: 'http://localhost:4999/v1', description: 'this contract-mock' }]);
    } finally {
      m.server.close();
      m.close();
    }
  });
});
