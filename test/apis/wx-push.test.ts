/** wx-push: push-project CRUD in the documented encodings, and receive delivering events to active projects. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { responseViolations, testMock } from '../helpers/mock.js';
import { freePort } from '../helpers/free-port.js';
import { defaultScenariosDir } from '../../src/scenarios/load-scenarios.js';

let m: Awaited<ReturnType<typeof testMock>>;
beforeEach(async () => {
  m = await testMock();
});
afterEach(() => {
  expect(responseViolations(m.calls)).toEqual([]);
});

const add = (url: string, project: string, session = 'default') =>
  request(m.listener)
    .post('/wx/push/addPushProject')
    .set('X-Mock-Session', session)
    .type('form')
    .send({ url, project });

/** A receiver on 127.0.0.1 that records what it is sent. */
async function receiver(
  status = 200,
): Promise<{ url: string; got: Array<{ body: unknown; type?: string }>; server: Server }> {
  const got: Array<{ body: unknown; type?: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      got.push({ body: JSON.parse(text), type: req.headers['content-type'] });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got, server };
}

describe('push projects (1.1-1.4)', () => {
  test('add (form) → query → update (JSON) → delete (query) → delete again answers 16000 数据不存在', async () => {
    const added = await add('www.xn---xn--nw5a-9h6sj467a.org', 'ppuqpx');
    expect(added.body).toEqual({
      success: true,
      message: 'success',
      code: '200',
      data: { id: 1, url: 'www.xn---xn--nw5a-9h6sj467a.org', project: 'ppuqpx', statu: 0 },
    });
    const list = await request(m.listener).get('/wx/push/queryPushProject');
    expect(list.body.data).toEqual([added.body.data]);
    const updated = await request(m.listener)
      .put('/wx/push/updatePushProject')
      .send({ id: 1, project: '36hifl', statu: 1 });
    expect(updated.body.data).toEqual({ id: 1, url: 'www.xn---xn--nw5a-9h6sj467a.org', project: '36hifl', statu: 1 });
    const deleted = await request(m.listener).delete('/wx/push/deletePushProject?id=1');
    expect(deleted.body).toMatchObject({ success: true, code: '200' });
    const again = await request(m.listener).delete('/wx/push/deletePushProject?id=1');
    expect(again.body).toEqual({ success: false, message: '数据不存在', code: '16000', data: null });
  });

  test('adding the same url and project twice answers 16000 数据已存在; updating a missing id answers 16000 数据不存在', async () => {
    await add('http://a', 'p');
    expect((await add('http://a', 'p')).body).toEqual({
      success: false,
      message: '数据已存在',
      code: '16000',
      data: null,
    });
    const res = await request(m.listener).put('/wx/push/updatePushProject').send({ id: 99, statu: 0 });
    expect(res.body).toMatchObject({ success: false, code: '16000', message: '数据不存在' });
  });

  test('query lists projects by id (a BigInt id beyond 2^53 in its place); seeded projects are active unless seeded otherwise; an update changes only what it sends', async () => {
    const seeded =
      '{"wx-push":{"projects":[{"id":9007199254740993,"url":"http://big","project":"b"},{"id":30,"url":"http://thirty","project":"t"},{"id":7,"url":"http://seven","project":"s"},{"id":12,"url":"http://twelve","project":"w","statu":1}]}}';
    await request(m.listener).post('/__mock/state').type('json').send(seeded).expect(201);
    const list = await request(m.listener).get('/wx/push/queryPushProject');
    expect([...list.text.matchAll(/"id":(\d+)/g)].map((x) => x[1])).toEqual(['7', '12', '30', '9007199254740993']);
    expect(list.body.data.map((p: { statu: number }) => p.statu)).toEqual([0, 1, 0, 0]);
    const updated = await request(m.listener)
      .put('/wx/push/updatePushProject')
      .send({ id: 7, url: 'http://seven.example' });
    expect(updated.body.data).toEqual({ id: 7, url: 'http://seven.example', project: 's', statu: 0 });
    // The same url under another project, or another url under the same project, is a new project.
    expect((await add('http://seven.example', 'other')).body.code).toBe('200');
    expect((await add('http://elsewhere', 's')).body.code).toBe('200');
  });

  test('under --http-status mapped the two 16000 entries are told apart by message: 数据已存在 409, 数据不存在 404', async () => {
    const mapped = await testMock({ httpStatus: 'mapped' });
    const addTo = () =>
      request(mapped.listener).post('/wx/push/addPushProject').type('form').send({ url: 'http://a', project: 'p' });
    expect((await addTo()).status).toBe(200);
    const twice = await addTo();
    expect([twice.status, twice.body.message]).toEqual([409, '数据已存在']);
    const missing = await request(mapped.listener).delete('/wx/push/deletePushProject?id=99');
    expect([missing.status, missing.body.message]).toEqual([404, '数据不存在']);
    mapped.close();
  });

  test('ids skip those already seeded through /__mock/state', async () => {
    await request(m.listener)
      .post('/__mock/state')
      .send({ 'wx-push': { projects: [{ id: 1, url: 'http://seeded', project: 's' }] } })
      .expect(201);
    expect((await add('http://b', 'p')).body.data.id).toBe(2);
  });

  test('an empty body answers 11002 body为空; a bad field answers 11001 参数格式校验失败; a wrong method answers 10001', async () => {
    const empty = await request(m.listener).put('/wx/push/updatePushProject').set('Content-Type', 'application/json');
    expect(empty.body).toMatchObject({ success: false, code: '11002', message: 'body为空' });
    const bad = await request(m.listener).put('/wx/push/updatePushProject').send({ id: 1, statu: 907 });
    expect(bad.body).toMatchObject({ success: false, code: '11001' });
    const wrong = await request(m.listener).post('/wx/push/queryPushProject');
    expect(wrong.body).toMatchObject({ success: false, code: '10001', message: '请求方法不支持' });
  });

  test("the document's curl examples, replayed as written (host replaced)", async () => {
    expect((await request(m.listener).get('/wx/push/queryPushProject')).body.success).toBe(true);
    // curl -X POST .../addPushProject --data 'url=...&project=ppuqpx' (curl sends application/x-www-form-urlencoded)
    const add1 = await request(m.listener)
      .post('/wx/push/addPushProject')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('url=www.xn---xn--nw5a-9h6sj467a.org&project=ppuqpx');
    expect(add1.body.success).toBe(true);
    // The update example's statu 907 breaks the document's own enum: answered 11001.
    const upd = await request(m.listener)
      .put('/wx/push/updatePushProject')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send('{\n"id": 281,\n"url": "www.xn---xn--nw5a-9h6sj467a.org",\n"project": "36hifl",\n"statu": 907\n}');
    expect(upd.body.code).toBe('11001');
    expect((await request(m.listener).delete('/wx/push/deletePushProject?id=435')).body.code).toBe('16000');
    const rec = await request(m.listener)
      .post('/wx/wxc/receive')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send('{\n"app_key": "3zx9s9",\n"school_code": "45229",\n"event": "ebytou",\n"raw_data": "82izkc"\n}');
    expect(rec.body).toEqual({ code: 200, message: 'success' });
  });
});

describe('receive (2.1)', () => {
  test('delivers the event as a JSON POST to every active project of the session, and records each outcome', async () => {
    const a = await receiver();
    const b = await receiver();
    const inactive = await receiver();
    await add(a.url, 'a');
    await add(b.url, 'b');
    const off = await add(inactive.url, 'off');
    await request(m.listener).put('/wx/push/updatePushProject').send({ id: off.body.data.id, statu: 1 });
    await add((await receiver()).url, 'other-session', 'someone-else');
    const event = { app_key: '3zx9s9', school_code: '45229', event: 'ebytou', raw_data: '82izkc' };
    const res = await request(m.listener).post('/wx/wxc/receive').send(event);
    expect(res.body).toEqual({ code: 200, message: 'success' });
    await m.pipeline.settled();
    expect(a.got).toEqual([{ body: event, type: 'application/json; charset=utf-8' }]);
    expect(b.got).toHaveLength(1);
    expect(inactive.got).toHaveLength(0);
    const record = m.calls.find((c) => c.operationId === 'receive')!;
    expect(record.deliveries.map((d) => [d.url, d.ok, d.status])).toEqual([
      [a.url, true, 200],
      [b.url, true, 200],
    ]);
    for (const r of [a, b, inactive]) r.server.close();
  });

  test('delivers in the order of project ids, whatever order the projects were saved in', async () => {
    const receivers = [await receiver(), await receiver(), await receiver()];
    const projects = [
      { id: 20, url: receivers[0]!.url, project: 'a' },
      { id: 3, url: receivers[1]!.url, project: 'b' },
      { id: 11, url: receivers[2]!.url, project: 'c' },
    ];
    await request(m.listener).post('/__mock/state').send({ 'wx-push': { projects } }).expect(201);
    await request(m.listener).post('/wx/wxc/receive').send({ event: 'x' }).expect(200);
    await m.pipeline.settled();
    expect(m.calls.find((c) => c.operationId === 'receive')!.deliveries.map((d) => d.url)).toEqual([
      receivers[1]!.url,
      receivers[2]!.url,
      receivers[0]!.url,
    ]);
    for (const r of receivers) r.server.close();
  });

  test('the fail-deliveries effect records each delivery as failed, with the error the scenario names or a refused connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-wx-'));
    writeFileSync(
      join(dir, 'push-times-out.yaml'),
      'name: push-times-out\ndescription: d\nrules:\n  - when: { operationId: receive }\n    then: { effect: { name: fail-deliveries, error: "ETIMEDOUT (simulated)" } }\n',
    );
    const mock = await testMock({ scenarioDirs: [defaultScenariosDir(), dir] });
    const target = await receiver();
    await request(mock.listener).post('/wx/push/addPushProject').type('form').send({ url: target.url, project: 'p' });
    for (const scenario of ['push-times-out', 'wx-push-delivery-fails']) {
      const res = await request(mock.listener)
        .post('/wx/wxc/receive')
        .set('X-Mock-Scenario', scenario)
        .send({ event: 'x' });
      expect(res.body).toEqual({ code: 200, message: 'success' });
    }
    await mock.pipeline.settled();
    expect(mock.calls.map((c) => c.deliveries.map((d) => [d.ok, d.error]))).toEqual([
      [],
      [[false, 'ETIMEDOUT (simulated)']],
      [[false, 'connect ECONNREFUSED (simulated by scenario)']],
    ]);
    expect(target.got).toEqual([]);
    mock.close();
    target.server.close();
  });

  test('failed deliveries (refused connection, HTTP 500, a url without scheme) never break receive', async () => {
    const failing = await receiver(500);
    const closed = `http://127.0.0.1:${await freePort()}/gone`;
    await add(failing.url, 'f');
    await add(closed, 'c');
    await add('www.xn---xn--nw5a-9h6sj467a.org', 'doc');
    const res = await request(m.listener).post('/wx/wxc/receive').send({ event: 'x' });
    expect(res.body).toEqual({ code: 200, message: 'success' });
    await m.pipeline.settled();
    const record = m.calls.find((c) => c.operationId === 'receive')!;
    expect(record.deliveries.map((d) => d.ok)).toEqual([false, false, false]);
    expect(record.deliveries[0]!.status).toBe(500);
    // Nothing listens on that port: the refused connection, as fetch reports it.
    expect(record.deliveries[1]!.error).toMatch(/^fetch failed: .*ECONNREFUSED/);
    expect(record.deliveries[2]!.error).toMatch(/not an absolute http/);
    failing.server.close();
  });
});
