/** A served document's path called without its mount (petstore is served under /v2): the 404 names the right path. */
import request from 'supertest';
import { expect, test } from 'vitest';
import { servedMock, oasExample } from '../helpers/served.js';

test('GET /pet/1 with petstore mounted at /v2: did you mean /v2/pet/1?', async () => {
  const m = await servedMock([oasExample('3.0/yaml/petstore.yaml')]);
  const res = await request(m.listener).get('/pet/1').expect(404);
  expect(res.body.title).toBe('Not Found');
  expect(res.body.detail).toBe(
    "No operation matches GET /pet/1; did you mean /v2/pet/1? petstore is served under /v2, the path of its servers URL. GET /__mock/health lists the APIs served; GET /__mock/specs/<api> shows one's documented paths.",
  );
  // A method the path does not document still names the mounted path (it is the path that is wrong).
  expect((await request(m.listener).patch('/pet/1').expect(404)).body.detail).toContain('did you mean /v2/pet/1?');
});

test('a path no document has under any mount gets no hint', async () => {
  const m = await servedMock([oasExample('3.0/yaml/petstore.yaml')]);
  const res = await request(m.listener).get('/no/such/thing').expect(404);
  expect(res.body.detail).toBe(
    "No operation matches GET /no/such/thing. GET /__mock/health lists the APIs served; GET /__mock/specs/<api> shows one's documented paths.",
  );
});
