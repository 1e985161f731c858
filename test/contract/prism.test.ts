/**
 * The specs are usable by the wider OpenAPI ecosystem: `prism mock` (the devDependency) serves each
 * one, and answers one documented request per operation with a 2xx.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPrism } from '../helpers/prism.js';
import { documentedRequest } from '../helpers/documented-request.js';
import { loadContract } from '../helpers/mock.js';

const contract = await loadContract();
const prisms = new Map<string, { child: ChildProcess; port: number }>();

beforeAll(async () => {
  await Promise.all(
    [...contract.apis.values()].map(async (a) => {
      prisms.set(a.api, await startPrism(a.spec.file));
    }),
  );
}, 90_000);

afterAll(() => {
  for (const { child } of prisms.values()) child.kill('SIGTERM');
});

describe('prism mock serves every spec', () => {
  test.each(contract.operations.map((o) => [`${o.api} ${o.operationId}`, o] as const))(
    '%s answers 2xx',
    async (_name, op) => {
      const { port } = prisms.get(op.api)!;
      const req = documentedRequest(op);
      const res = await fetch(`http://127.0.0.1:${port}${req.path}`, {
        method: req.method,
        headers: req.headers,
        body: req.body,
      });
      const text = await res.text();
      expect(res.status, `${req.method} ${req.path} → ${res.status} ${text.slice(0, 500)}`).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
    },
  );
});
