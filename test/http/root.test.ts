/**
 * `GET /`: a browser is redirected to the dashboard, any other client gets the served APIs (name, title, base URL,
 * spec URL) as JSON; other methods on `/` and every other path still go to the pipeline.
 */
import request from 'supertest';
import { expect, test } from 'vitest';
import { servedMock, oasExample } from '../helpers/served.js';

test('a browser asking for / is sent to the dashboard', async () => {
  const m = await servedMock([]);
  const res = await request(m.listener).get('/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').expect(302);
  expect(res.headers['location']).toBe('/__mock/ui/');
  expect(m.calls).toEqual([]);
});

test('another client gets every served API with its base URL and spec URL, on the host it used', async () => {
  const m = await servedMock([oasExample('3.0/yaml/petstore.yaml')]);
  const res = await request(m.listener)
    .get('/')
    .set('Host', 'mock.test:4010')
    .set('Accept', 'application/json')
    .expect(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const base = 'http://mock.test:4010';
  expect(res.body.dashboard).toBe(`${base}/__mock/ui/`);
  const byName = Object.fromEntries((res.body.apis as Array<{ name: string }>).map((a) => [a.name, a]));
  expect(Object.keys(byName).sort()).toEqual(['ios-datasyn', 'petstore', 'platform-sync', 'wuhan-eduyun', 'wx-push']);
  expect(byName['platform-sync']).toEqual({
    name: 'platform-sync',
    title: expect.any(String),
    baseUrl: `${base}/v1`,
    specUrl: `${base}/__mock/specs/platform-sync`,
  });
  expect(byName['petstore']).toMatchObject({
    title: 'Swagger Petstore',
    baseUrl: `${base}/v2`,
    specUrl: `${base}/__mock/specs/petstore`,
  });
  expect(byName['ios-datasyn']!).toMatchObject({ baseUrl: `${base}/datasyn` });
  expect(byName['wx-push']!).toMatchObject({ baseUrl: `${base}/wx` });
  expect(byName['wuhan-eduyun']!).toMatchObject({ baseUrl: `${base}/user/openapi/org` });
  // curl sends */*: JSON too.
  await request(m.listener).get('/').set('Accept', '*/*').expect(200);
  expect(m.calls).toEqual([]);
});

test("POST / and other paths are still the pipeline's 404", async () => {
  const m = await servedMock([]);
  const res = await request(m.listener).post('/').send({}).expect(404);
  expect(res.body.detail).toContain('No operation matches POST /');
  await request(m.listener).get('/index.html').set('Accept', 'text/html').expect(404);
  expect(m.calls).toHaveLength(2);
});
