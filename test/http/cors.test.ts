/** A browser may call every method the served documents use: the API preflight allows them (issue 29: PATCH failed in Chromium). */
import request from 'supertest';
import { expect, test } from 'vitest';
import { corsMethods } from '../../src/http/cors.js';
import { testMock } from '../helpers/mock.js';
import { join } from 'node:path';
import { servedMock } from '../helpers/served.js';

const WIDGETS = join(import.meta.dirname, '..', 'served', 'fixtures', 'widgets.openapi.json');

test("the preflight allows the built-in APIs' methods, and PATCH once a served document uses it", async () => {
  const builtin = await request((await testMock()).listener)
    .options('/wx/push/queryPushProject')
    .set('Origin', 'http://localhost:5173')
    .set('Access-Control-Request-Method', 'GET');
  expect(builtin.status).toBe(204);
  expect(builtin.headers['access-control-allow-methods']).toBe('GET, POST, PUT, DELETE, OPTIONS');
  const served = await servedMock([WIDGETS]);
  const patch = await request(served.listener)
    .options('/v1/widgets/1')
    .set('Origin', 'http://localhost:5173')
    .set('Access-Control-Request-Method', 'PATCH');
  expect(patch.headers['access-control-allow-methods']).toBe('GET, POST, PUT, PATCH, DELETE, OPTIONS');
  expect(corsMethods(['PATCH', 'GET', 'HEAD', 'GET'])).toBe('GET, HEAD, PATCH, OPTIONS');
});
