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
const contract = await loadContract();
let m: Awaited<ReturnType<typeof testMock>>;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  // FUZZ_TARGET=http://127.0.0.1:PORT fuzzes a mock in another process (to tell the mock's memory from the fuzzer's).
  if (process.env['FUZZ_TARGET']) {
    port = Number(new URL(process.env['FUZZ_TARGET']).port);
    m = { server: { close() {} } } as never;
    return;
  }
  // Caps as a long-running team server would set them: old sessions make room, sessions and bodies stay bounded.
  m = await testMock({ maxSessions: 500, sessionIdleMs: 0, maxRecordsPerSession: 1000, limits: { maxBodyBytes: 256 * 1024 }, journal: { maxPerSession: 1000, maxTotal: 20_000 } });
  port = Number(new URL(await listen(m.server)).port);
});
afterAll(() => {
  agent.destroy();
  m.server.close();
});

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function send(r: Sent): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** A JSON value nested `depth` levels deep. */
const deep = (depth: number): unknown => Array.from({ length: depth }).reduce((acc: unknown) => ({ a: acc }), 1);

const bases = contract.operations.flatMap((op) => [...exampleCases(op), ...generatedCases(op, 2, 5)].map((c) => ({ op, parts: c.parts })));

const mutation = fc.oneof(
  { arbitrary: fc.constant((b: Record<string, unknown>) => b), weight: 6 },
  fc.string().map((k) => (b: Record<string, unknown>) => (delete b[Object.keys(b)[k.length % Math.max(1, Object.keys(b).length)] ?? ''], b)),
  fc.jsonValue().map((v) => (b: Record<string, unknown>) => ({ ...b, [Object.keys(b)[0] ?? 'x']: v })),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => (b: Record<string, unknown>) => JSON.parse(`{"${k}":{"polluted":"yes"},"a":${JSON.stringify(b)}}`) as Record<string, unknown>),
  fc.integer({ min: 30, max: 3000 }).map((d) => (b: Record<string, unknown>) => ({ ...b, nested: deep(d) })),
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => (b: Record<string, unknown>) => ({ ...b, [Object.keys(b)[0] ?? 'x']: 'x'.repeat(n) })),
);

const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=gbk', '', 'application/x-www-form-urlencoded;charset=utf-8', '\u0000garbage');

const request: fc.Arbitrary<Sent> = fc
  .record({
    base: fc.constantFrom(...bases),
    mutate: mutation,
    method: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS')),
    type: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, contentType),
    garbage: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.uint8Array({ maxLength: 2000 })),
    path: fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, fc.webPath(), fc.string().map((s) => `/v1/abutment/syncDeleteOrganMetadata/${encodeURIComponent(s)}`)),
    query: fc.oneof({ arbitrary: fc.constant({}), weight: 4 }, fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 5 })),
    session: fc.oneof({ arbitrary: fc.constantFrom('fuzz', 'fuzz-2', 'fuzz-3'), weight: 10 }, fc.string({ maxLength: 20 }), fc.constant('x'.repeat(200))),
    scenario: fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, fc.constantFrom('nope', 'school-not-found', 'ios-token-invalid', 'internal-error', 'a,,b')),
    prefer: fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, fc.constantFrom('code=200', 'code=200, example=nope', 'example=error4', 'code=500')),
  })
  .map(({ base, mutate, method, type, garbage, path, query, session, scenario, prefer }) => {
    const parts = structuredClone(base.parts);
    if (parts.body) parts.body = mutate(parts.body);
    const r = toRequest(base.op, parts);
    const qs = new URLSearchParams(query).toString();
    const headers: Record<string, string> = { ...r.headers, 'x-mock-session': session.replace(/[^\x20-\x7e]/g, '') || 'fuzz' };
    if (type !== undefined) headers['content-type'] = type.replace(/[^\x20-\x7e]/g, '');
    if (scenario) headers['x-mock-scenario'] = scenario;
    if (prefer) headers['prefer'] = prefer;
    const body = garbage ? Buffer.from(garbage) : r.body !== undefined ? Buffer.from(r.body) : undefined;
    if (body) headers['content-length'] = String(body.length);
    return { method: method ?? r.method, path: `${path ?? r.path}${qs ? (r.path.includes('?') ? '&' : '?') + qs : ''}`, headers, body };
  });

describe('fuzzing', () => {
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
        if (!c.api || !c.operationId || c.violations.some((v) => v.side === 'request') || c.scenarios.length || c.request.headers['prefer'] || c.response.code === null) continue;
        if (contract.apis.get(c.api)!.dialect.isSuccess(c.response.code)) success++;
        else business++;
        pairs.add(`${c.operationId} ${c.response.code}`);
      }
      expect(success, 'valid calls answered with success').toBeGreaterThan(0);
      expect(business, 'valid calls answered with a business error').toBeGreaterThan(0);
      expect(pairs.size, 'distinct (operation, code) answers to valid calls').toBeGreaterThanOrEqual(Math.min(20, RUNS / 20));
    }
    // The mock still behaves afterwards.
    const token = await send({ method: 'POST', path: '/v1/channel/token', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"appid":"demo-app","secret":"demo-secret"}') });
    expect(JSON.parse(token.text).status).toBe(200);
  }, 600_000);
});
