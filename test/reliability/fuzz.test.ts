/**
 * Property-based fuzzing (fast-check): thousands of generated and mutated requests built from the
 * specs — wrong types, missing fields, garbage bytes, deep nesting, huge strings, prototype keys, odd
 * content types — are each answered, none with a 5xx; the server stays healthy and Object.prototype
 * is untouched. `npm run fuzz` runs the same property 100,000 times (FUZZ_RUNS).
 */
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exampleCases, generatedCases, toRequest } from '../../src/verify/build-requests.js';
import { listen } from '../helpers/listen.js';
import { loadContract, testMock } from '../helpers/mock.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2000);
/** Admin-API requests: a tenth of the API runs (200 in the suite, 10,000 under `npm run fuzz`). */
const ADMIN_RUNS = Math.max(50, Math.round(RUNS / 10));
const contract = await loadContract();
let m: Awaited<ReturnType<typeof testMock>>;
let port: number;
/** A second mock started with --admin-token (FUZZ_TOKEN_TARGET under `npm run fuzz`): malformed credentials there once ended the process. */
let tokenMock: Awaited<ReturnType<typeof testMock>> | undefined;
let tokenPort: number;
const FUZZ_ADMIN_TOKEN = 'fuzz-admin-token';
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  // FUZZ_TARGET=http://127.0.0.1:PORT fuzzes a mock in another process (to tell the mock's memory from the fuzzer's).
  if (process.env['FUZZ_TARGET']) {
    port = Number(new URL(process.env['FUZZ_TARGET']).port);
    tokenPort = process.env['FUZZ_TOKEN_TARGET'] ? Number(new URL(process.env['FUZZ_TOKEN_TARGET']).port) : port;
    m = { server: { close() {} } } as never;
    return;
  }
  // Caps as a long-running team server would set them: old sessions make room, sessions and bodies stay bounded.
  const caps = {
    maxSessions: 500,
    sessionIdleMs: 0,
    maxRecordsPerSession: 1000,
    limits: { maxBodyBytes: 256 * 1024 },
    journal: { maxPerSession: 1000, maxTotal: 20_000 },
  };
  m = await testMock(caps);
  port = Number(new URL(await listen(m.server)).port);
  tokenMock = await testMock({ ...caps, adminToken: FUZZ_ADMIN_TOKEN });
  tokenPort = Number(new URL(await listen(tokenMock.server)).port);
});
afterAll(() => {
  agent.destroy();
  m.server.close();
  tokenMock?.server.close();
});

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function send(r: Sent, timeoutMs = 60_000, to = port): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: to, method: r.method, path: r.path, headers: r.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    // An answer that never ends is a failure too (bounded, so the property cannot hang).
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${r.method} ${r.path}: no complete answer within ${timeoutMs} ms`)),
    );
    req.end(r.body);
  });
}

/** A JSON value nested `depth` levels deep. */
const deep = (depth: number): unknown => Array.from({ length: depth }).reduce((acc: unknown) => ({ a: acc }), 1);

const bases = contract.operations.flatMap((op) =>
  [...exampleCases(op), ...generatedCases(op, 2, 5)].map((c) => ({ op, parts: c.parts })),
);

const mutation = fc.oneof(
  { arbitrary: fc.constant((b: Record<string, unknown>) => b), weight: 6 },
  fc
    .string()
    .map(
      (k) => (b: Record<string, unknown>) => (
        delete b[Object.keys(b)[k.length % Math.max(1, Object.keys(b).length)] ?? ''],
        b
      ),
    ),
  fc.jsonValue().map((v) => (b: Record<string, unknown>) => ({ ...b, [Object.keys(b)[0] ?? 'x']: v })),
  fc
    .constantFrom('__proto__', 'constructor', 'prototype')
    .map(
      (k) => (b: Record<string, unknown>) =>
        JSON.parse(`{"${k}":{"polluted":"yes"},"a":${JSON.stringify(b)}}`) as Record<string, unknown>,
    ),
  fc.integer({ min: 30, max: 3000 }).map((d) => (b: Record<string, unknown>) => ({ ...b, nested: deep(d) })),
  fc
    .integer({ min: 10_000, max: 300_000 })
    .map((n) => (b: Record<string, unknown>) => ({ ...b, [Object.keys(b)[0] ?? 'x']: 'x'.repeat(n) })),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json; charset=gbk',
  '',
  'application/x-www-form-urlencoded;charset=utf-8',
  '\u0000garbage',
);

const request: fc.Arbitrary<Sent> = fc
  .record({
    base: fc.constantFrom(...bases),
    mutate: mutation,
    method: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    ),
    type: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, contentType),
    garbage: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.uint8Array({ maxLength: 2000 })),
    path: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 10 },
      fc.webPath(),
      fc.string().map((s) => `/v1/abutment/syncDeleteOrganMetadata/${encodeURIComponent(s)}`),
    ),
    query: fc.oneof(
      { arbitrary: fc.constant({}), weight: 4 },
      fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
    ),
    session: fc.oneof(
      { arbitrary: fc.constantFrom('fuzz', 'fuzz-2', 'fuzz-3'), weight: 10 },
      fc.string({ maxLength: 20 }),
      fc.constant('x'.repeat(200)),
    ),
    scenario: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 10 },
      fc.constantFrom('nope', 'school-not-found', 'ios-token-invalid', 'internal-error', 'a,,b'),
    ),
    prefer: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 10 },
      fc.constantFrom('code=200', 'code=200, example=nope', 'example=error4', 'code=500'),
    ),
  })
  .map(({ base, mutate, method, type, garbage, path, query, session, scenario, prefer }) => {
    const parts = structuredClone(base.parts);
    if (parts.body) parts.body = mutate(parts.body);
    const r = toRequest(base.op, parts);
    const qs = new URLSearchParams(query).toString();
    const headers: Record<string, string> = {
      ...r.headers,
      'x-mock-session': session.replace(/[^\x20-\x7e]/g, '') || 'fuzz',
    };
    if (type !== undefined) headers['content-type'] = type.replace(/[^\x20-\x7e]/g, '');
    if (scenario) headers['x-mock-scenario'] = scenario;
    if (prefer) headers['prefer'] = prefer;
    const body = garbage ? Buffer.from(garbage) : r.body !== undefined ? Buffer.from(r.body) : undefined;
    if (body) headers['content-length'] = String(body.length);
    return {
      method: method ?? r.method,
      path: `${path ?? r.path}${qs ? (r.path.includes('?') ? '&' : '?') + qs : ''}`,
      headers,
      body,
    };
  });

const ADMIN_ROUTES = [
  'health',
  'calls',
  'calls.har',
  'calls.ndjson',
  'violations',
  'verify',
  'state',
  'clock',
  'reset',
  'scenarios',
  'scenarios/active',
  'scenarios/active/token-expired',
  'sessions',
  'csrf',
  'ui/',
  'ui/app.js',
  'specs',
];

/** Bodies the admin API is sent: its own shapes with wrong values, any JSON, deep nesting, huge strings, garbage. */
const adminBody = fc.oneof(
  fc.record({ advanceSeconds: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1, 7201, '60', null)) }),
  fc.record({ name: fc.oneof(fc.string(), fc.constantFrom('token-expired', 'flaky', '__proto__')) }),
  fc.record(
    {
      operationId: fc.oneof(fc.string(), fc.constantFrom('channelToken', 'receive')),
      count: fc.jsonValue(),
      where: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(
    fc.constantFrom('platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push', '__proto__', 'x'),
    fc.dictionary(
      fc.constantFrom('schools', 'classes', 'users', 'orgs', 'pushProjects', 'tokens', 'apps'),
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
    ),
  ),
  fc.jsonValue(),
  fc
    .integer({ min: 30, max: 3000 })
    .map((d) => ({ 'wx-push': { pushProjects: [{ url: 'http://127.0.0.1:9/', project: 'p', extra: deep(d) }] } })),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => ({ name: 'x'.repeat(n) })),
);

const adminRequest: fc.Arbitrary<Sent & { token: boolean }> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
    route: fc.oneof(
      { arbitrary: fc.constantFrom(...ADMIN_ROUTES), weight: 8 },
      fc.webPath().map((p) => p.replace(/^\//, '')),
      fc.constantFrom(
        'ui/%252e%252e/x',
        'ui/%',
        'ui/..%2f..%2fpackage.json',
        '%',
        'calls?limit=%',
        'calls?limit=-1&api=__proto__',
      ),
    ),
    query: fc.oneof(
      { arbitrary: fc.constant(''), weight: 4 },
      fc
        .dictionary(
          fc.constantFrom('limit', 'api', 'operationId', 'session', 'format', 'admin_token', 'method'),
          fc.string({ maxLength: 12 }),
          { maxKeys: 3 },
        )
        .map((q) => new URLSearchParams(q).toString()),
    ),
    body: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      adminBody.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')),
      fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
    ),
    type: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 6 }, contentType),
    session: fc.oneof({ arbitrary: fc.constantFrom('fuzz-admin', 'fuzz'), weight: 8 }, fc.string({ maxLength: 20 })),
    origin: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      fc.constantFrom('http://evil.example', 'null', 'http://localhost:5173', '%'),
    ),
    fetchSite: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      fc.constantFrom('same-origin', 'cross-site', 'same-site', 'none'),
    ),
    cookie: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      fc.constantFrom('contract_mock_admin=%', 'contract_mock_admin=a.b', 'contract_mock_admin=%ED%A0%80'),
    ),
    host: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      fc.constantFrom('attacker.example', 'localhost', '[::1]:1', ''),
    ),
    token: fc.boolean(),
    auth: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      fc.constantFrom(
        `Bearer ${FUZZ_ADMIN_TOKEN}`,
        `Bearer ${FUZZ_ADMIN_TOKEN}`,
        'Bearer wrong',
        'Bearer %',
        'Basic %%',
      ),
    ),
  })
  .map(({ method, route, query, body: generated, type, session, origin, fetchSite, cookie, host, token, auth }) => {
    const body = method === 'GET' || method === 'HEAD' ? undefined : generated;
    // The live event stream never ends by design: the property asks for complete answers.
    const path = `/__mock/${route.startsWith('events') ? 'calls' : route}${query ? (route.includes('?') ? '&' : '?') + query : ''}`;
    const headers: Record<string, string> = { 'x-mock-session': session.replace(/[^\x20-\x7e]/g, '') || 'fuzz-admin' };
    if (body) headers['content-type'] = type.replace(/[^\x20-\x7e]/g, '');
    if (body) headers['content-length'] = String(body.length);
    if (origin) headers['origin'] = origin;
    if (fetchSite) headers['sec-fetch-site'] = fetchSite;
    if (cookie) headers['cookie'] = cookie;
    if (host !== undefined) headers['host'] = host;
    if (method === 'OPTIONS' && origin) headers['access-control-request-method'] = 'POST';
    if (auth) headers['authorization'] = auth;
    return { method, path, headers, body, token };
  });

describe('fuzzing', () => {
  test(`${ADMIN_RUNS} generated admin-API requests: every one answered, none with a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(adminRequest, async (r) => {
        const res = await send(r, 30_000, r.token ? tokenPort : port);
        if (res.status >= 500) throw new Error(`${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 200)}`);
        if (res.type.includes('json') && res.status !== 204 && r.method !== 'HEAD' && !r.path.includes('ndjson'))
          JSON.parse(res.text);
      }),
      { numRuns: ADMIN_RUNS, seed: 20261201, endOnFailure: true },
    );
    const health = await send({ method: 'GET', path: '/__mock/health', headers: {} });
    expect(health.status).toBe(200);
    const tokenHealth = await send(
      { method: 'GET', path: '/__mock/health', headers: { authorization: `Bearer ${FUZZ_ADMIN_TOKEN}` } },
      30_000,
      tokenPort,
    );
    expect(tokenHealth.status).toBe(200);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
  }, 600_000);

  test(`${RUNS} generated and mutated requests: every one answered, none with a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await send(r);
        if (res.status >= 500) throw new Error(`${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 200)}`);
        if (res.type.includes('json') && res.status !== 204) JSON.parse(res.text);
      }),
      { numRuns: RUNS, seed: 20261122, endOnFailure: true },
    );
    const health = await send({ method: 'GET', path: '/__mock/health', headers: {} });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text).status).toBe('ok');
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Valid calls get the spread of answers real use does, from state: successes and business errors (an
    // unknown token, a duplicate) across the operations, never one envelope for everything.
    if (m.calls) {
      let success = 0;
      let business = 0;
      const pairs = new Set<string>();
      for (const c of m.calls) {
        if (
          !c.api ||
          !c.operationId ||
          c.violations.some((v) => v.side === 'request') ||
          c.scenarios.length ||
          c.request.headers['prefer'] ||
          c.response.code === null
        )
          continue;
        if (contract.apis.get(c.api)!.dialect.isSuccess(c.response.code)) success++;
        else business++;
        pairs.add(`${c.operationId} ${c.response.code}`);
      }
      expect(success, 'valid calls answered with success').toBeGreaterThan(0);
      expect(business, 'valid calls answered with a business error').toBeGreaterThan(0);
      expect(pairs.size, 'distinct (operation, code) answers to valid calls').toBeGreaterThanOrEqual(
        Math.min(20, RUNS / 20),
      );
    }
    // The mock still behaves afterwards.
    const token = await send({
      method: 'POST',
      path: '/v1/channel/token',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"appid":"demo-app","secret":"demo-secret"}'),
    });
    expect(JSON.parse(token.text).status).toBe(200);
  }, 600_000);
});
