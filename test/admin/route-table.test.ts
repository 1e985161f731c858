/**
 * The admin route table and what is served agree: on the mock every row answers something other than the unknown-route
 * 404 (also the rows answered in front of express: health, ready, csrf), and that 404 lists the table; on the proxy the
 * 404 lists exactly the rows it answers. Mounting refuses a handler without a row and, for the mock, a row without one.
 */
import { request as httpRequest } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_ROUTES, routeKey, routeList, type AdminRoute } from '../../src/admin/route-table.js';
import { mountAdminRoutes } from '../../src/admin/mount-admin-routes.js';
import { createProxy } from '../../src/verify/proxy.js';
import { listen } from '../helpers/listen.js';
import { loadContract, testMock } from '../helpers/mock.js';

const UNKNOWN = 'Unknown admin route';
/** A row's path with its parameters filled: a scenario that is not active, an API that is served. */
const concrete = (path: string): string => path.replace(':name', 'no-such-scenario').replace(':api', 'platform-sync');

/** Status and, for a problem document, its title and detail; a stream (events) is closed once its head arrives. */
function hit(base: string, method: string, path: string): Promise<{ status: number; title?: string; detail?: string }> {
  return new Promise((resolve, reject) => {
    const body = method === 'POST' ? '{}' : undefined;
    const req = httpRequest(
      `${base}/__mock${path}`,
      { method, agent: false, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
          res.destroy();
          return resolve({ status: res.statusCode! });
        }
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, ...(JSON.parse(text) as { title: string; detail: string }) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The rows a server answers (anything but the unknown-route 404), and its 404's detail for an unknown path. */
async function survey(base: string): Promise<{ served: AdminRoute[]; detail: string }> {
  const served: AdminRoute[] = [];
  for (const route of ADMIN_ROUTES)
    if ((await hit(base, route.method, concrete(route.path))).title !== UNKNOWN) served.push(route);
  const unknown = await hit(base, 'GET', '/no-such-route');
  expect(unknown.status).toBe(404);
  expect(unknown.title).toBe(UNKNOWN);
  return { served, detail: unknown.detail! };
}

describe('the mock', () => {
  let m: Awaited<ReturnType<typeof testMock>>;
  let base: string;
  beforeAll(async () => {
    m = await testMock();
    base = await listen(m.server);
  });
  afterAll(() => {
    m.server.closeAllConnections();
    m.server.close();
  });

  test('answers every row of the table, and its 404 lists the whole table', async () => {
    const { served, detail } = await survey(base);
    expect(served.map(routeKey)).toEqual(ADMIN_ROUTES.map(routeKey));
    expect(detail).toBe(
      `GET /__mock/no-such-route is not an admin route. The admin routes (README, "Sessions, clock and admin API"): ${routeList(ADMIN_ROUTES)}, all under /__mock.`,
    );
    expect(detail).toContain('GET health, ready, csrf, sessions, state, calls');
    expect(detail).toContain('DELETE calls, scenarios/active/NAME');
  });
});

describe('the proxy', () => {
  let proxy: ReturnType<typeof createProxy>;
  let base: string;
  beforeAll(async () => {
    proxy = createProxy({ contract: await loadContract(), target: 'http://127.0.0.1:9', log: () => {} });
    base = await listen(proxy.server);
  });
  afterAll(() => {
    proxy.server.closeAllConnections();
    proxy.server.close();
  });

  test("its 404 lists exactly the rows it answers: the journal's, events, sessions, health, ready, csrf", async () => {
    const { served, detail } = await survey(base);
    expect(served.map((r) => r.path)).toEqual([
      '/health',
      '/ready',
      '/csrf',
      '/sessions',
      '/calls',
      '/calls',
      '/violations',
      '/verify',
      '/calls.har',
      '/calls.ndjson',
      '/events',
    ]);
    expect(detail).toBe(`GET /__mock/no-such-route is not served by the proxy (it serves ${routeList(served)}).`);
  });
});

test('mounting refuses a handler with no row, and (complete) a row with no handler', () => {
  const ok = () => {};
  const notFound = () => '';
  expect(() => mountAdminRoutes(express.Router(), { 'GET /nothing': ok }, { complete: false, notFound })).toThrow(
    'admin handler "GET /nothing" has no row in src/admin/route-table.ts',
  );
  expect(() => mountAdminRoutes(express.Router(), { 'GET /calls': ok }, { complete: true, notFound })).toThrow(
    'admin route GET /sessions has no handler',
  );
  expect(mountAdminRoutes(express.Router(), { 'GET /calls': ok }, { complete: false, notFound }).map(routeKey)).toEqual(
    ['GET /health', 'GET /ready', 'GET /csrf', 'GET /calls'],
  );
});
