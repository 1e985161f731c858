/** verify and proxy work for a served spec as for the four: its checks pass against the mock, a drifted provider fails them, the proxy journals its violations. */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createProxy } from '../../src/verify/proxy.js';
import { verifyTarget, DEFAULT_CREDENTIALS } from '../../src/verify/verify-target.js';
import { listen } from '../helpers/listen.js';
import { oasExample, servedMock } from '../helpers/served.js';

const PETSTORE = oasExample('3.0/yaml/petstore-expanded.yaml');
let m: Awaited<ReturnType<typeof servedMock>>;
let url: string;
beforeAll(async () => {
  m = await servedMock([PETSTORE]);
  url = await listen(m.server);
});
afterAll(() => {
  m.close();
  m.server.close();
});

const options = (target: string) => ({ target, apis: ['petstore-expanded'], seed: 3, concurrency: 2, generated: 2, credentials: DEFAULT_CREDENTIALS, session: 'verify-served', timeoutMs: 5000 });

describe('verify --spec', () => {
  test('every check of the served API passes against the mock that serves it', async () => {
    const report = await verifyTarget(m.contract, options(url));
    expect(report.summary.total).toBeGreaterThan(4);
    expect(report.checks.filter((c) => !c.ok).map((c) => `${c.operationId} ${c.name}: ${JSON.stringify(c.failures)}`)).toEqual([]);
    const kinds = new Set(report.checks.map((c) => c.kind));
    expect(kinds.has('generated') && kinds.has('negative')).toBe(true);
  });

  test('a provider that drifted (a pet\'s id as text, a 200 for a broken request) fails with the field named', async () => {
    const drifted = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.url?.startsWith('/api/pets/') ? JSON.stringify({ id: 'seven', name: 'Rex' }) : JSON.stringify([]));
      });
    });
    const target = await listen(drifted);
    const report = await verifyTarget(m.contract, options(target));
    drifted.close();
    const failures = report.checks.filter((c) => !c.ok).flatMap((c) => c.failures);
    expect(failures).toContainEqual(expect.objectContaining({ pointer: '/id', rule: 'type' }));
    expect(failures.some((f) => f.message.includes('expected a 4xx refusal'))).toBe(true);
  });
});

describe('proxy --spec', () => {
  test('journals a served API\'s calls with the violations of both sides', async () => {
    const proxy = createProxy({ contract: m.contract, target: url, log: () => {} });
    const proxyUrl = await listen(proxy.server);
    const res = await fetch(`${proxyUrl}/api/pets`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-session': 'proxied' }, body: JSON.stringify({ tag: 'no name' }) });
    expect(res.status).toBe(422);
    const calls = proxy.journal.query('proxied');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ api: 'petstore-expanded', operationId: 'addPet' });
    expect(calls[0]!.violations).toContainEqual(expect.objectContaining({ side: 'request', pointer: '/body/name' }));
    proxy.server.close();
  });
});
