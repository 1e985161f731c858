/**
 * Items exist until deleted (issue 28): under overlay (the default) an item path the session has not touched
 * answers as if the item existed, the same id giving the same item; the session's writes win; the document's
 * list answers until the session writes to the collection. `--rest-state strict` and `x-mock-state: strict`
 * keep the items-exist-once-created behaviour.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { servedMock } from '../helpers/served.js';

const THINGS = join(import.meta.dirname, 'fixtures', 'things.openapi.yaml');

describe('overlay: items exist until deleted', () => {
  test('an untouched item is the documented item with the path id in its id field, without violations', async () => {
    const m = await servedMock([THINGS]);
    const res = await request(m.listener).get('/t/things/42');
    expect([res.status, res.body]).toEqual([200, { thingId: 42, name: 'lamp', color: 'green' }]);
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test('without an example the item is generated, the same for the same session and id, another for another id or session', async () => {
    const m = await servedMock([THINGS]);
    const get = (id: string, session = 'a') => request(m.listener).get(`/t/notes/${id}`).set('X-Mock-Session', session);
    const first = await get('n1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ noteId: 'n1', text: expect.any(String) });
    expect((await get('n1')).body).toEqual(first.body);
    // Other calls in between move the session's call counter: the item does not move with it.
    await get('n2');
    expect((await get('n1')).body).toEqual(first.body);
    expect((await get('n2')).body).not.toEqual(first.body);
    expect((await get('n1', 'b')).body).not.toEqual(first.body);
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test("the session's writes win: PATCH merges into the untouched item, PUT replaces it, DELETE makes it the document's 404", async () => {
    const m = await servedMock([THINGS]);
    const patched = await request(m.listener).patch('/t/things/5').send({ color: 'red' });
    expect([patched.status, patched.body]).toEqual([200, { thingId: 5, name: 'lamp', color: 'red' }]);
    expect((await request(m.listener).get('/t/things/5')).body).toEqual(patched.body);
    const put = await request(m.listener).put('/t/things/6').send({ thingId: 6, name: 'desk' });
    expect([put.status, put.body]).toEqual([200, { thingId: 6, name: 'desk' }]);
    expect((await request(m.listener).get('/t/things/6')).body).toEqual({ thingId: 6, name: 'desk' });
    // Deleted, stored or untouched: gone for reads, replaces, merges and deletes alike.
    for (const id of ['5', '7']) {
      expect((await request(m.listener).delete(`/t/things/${id}`)).status).toBe(204);
      const gone = await request(m.listener).get(`/t/things/${id}`);
      expect([gone.status, gone.body.status, gone.body.detail]).toEqual([
        404,
        404,
        expect.stringContaining(`no item ${id}`),
      ]);
      expect((await request(m.listener).patch(`/t/things/${id}`).send({ color: 'blue' })).status).toBe(404);
      expect((await request(m.listener).delete(`/t/things/${id}`)).status).toBe(404);
    }
    // A create brings a deleted id back.
    expect((await request(m.listener).post('/t/things').send({ thingId: 7, name: 'again' })).status).toBe(201);
    expect((await request(m.listener).get('/t/things/7')).body).toEqual({ thingId: 7, name: 'again' });
    // Another session sees none of it.
    expect((await request(m.listener).get('/t/things/5').set('X-Mock-Session', 'other')).body).toEqual({
      thingId: 5,
      name: 'lamp',
      color: 'green',
    });
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test("the list is the document's until the session writes to the collection, then the session's items only", async () => {
    const m = await servedMock([THINGS]);
    expect((await request(m.listener).get('/t/things')).body).toEqual([
      { thingId: 1, name: 'lamp' },
      { thingId: 2, name: 'chair' },
    ]);
    // A read writes nothing.
    await request(m.listener).get('/t/things/1');
    expect((await request(m.listener).get('/t/things')).body).toHaveLength(2);
    await request(m.listener).post('/t/things').send({ thingId: 9, name: 'new' });
    expect((await request(m.listener).get('/t/things')).body).toEqual([{ thingId: 9, name: 'new' }]);
    await request(m.listener).delete('/t/things/9');
    // Emptied by the session: empty, not the document's list again.
    expect((await request(m.listener).get('/t/things')).body).toEqual([]);
    // A list without an example is the session's (empty) list.
    expect((await request(m.listener).get('/t/notes')).body).toEqual([]);
    m.close();
  });
});

describe('strict: an item exists only once created', () => {
  test("--rest-state strict: an untouched item is the document's 404, a created one is read, the list starts empty", async () => {
    const m = await servedMock([THINGS], { restState: 'strict' });
    const missing = await request(m.listener).get('/t/things/42');
    expect([missing.status, missing.body.detail]).toEqual([404, expect.stringContaining('no item 42')]);
    expect((await request(m.listener).patch('/t/things/42').send({ color: 'red' })).status).toBe(404);
    expect((await request(m.listener).get('/t/things')).body).toEqual([]);
    await request(m.listener).post('/t/things').send({ thingId: 42, name: 'made' });
    expect((await request(m.listener).get('/t/things/42')).body).toEqual({ thingId: 42, name: 'made' });
    await request(m.listener).delete('/t/things/42');
    expect((await request(m.listener).get('/t/things/42')).status).toBe(404);
    // Strict writes no deleted ids of its own.
    expect(
      Object.keys((await m.store.session('default').dump()).collections).filter((c) => c.includes('deleted')),
    ).toEqual([]);
    m.close();
  });

  test('x-mock-state: strict on the document keeps all of it strict under overlay', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cm-strict-doc-')), 'things.yaml');
    writeFileSync(file, readFileSync(THINGS, 'utf8').replace(/^info:/m, 'x-mock-state: strict\ninfo:'));
    const m = await servedMock([file]);
    expect((await request(m.listener).get('/t/things/42')).status).toBe(404);
    expect((await request(m.listener).get('/t/things')).body).toEqual([]);
    m.close();
  });

  test('x-mock-state: strict on an operation keeps it strict under overlay', async () => {
    const m = await servedMock([THINGS]);
    expect((await request(m.listener).get('/t/vaults/v9')).status).toBe(404);
    expect(m.contract.operations.find((o) => o.operationId === 'getVault')!.rest).toMatchObject({
      kind: 'read',
      strict: true,
    });
    m.close();
  });
});
