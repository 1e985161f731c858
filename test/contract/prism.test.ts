/**
 * The specs are usable by the wider OpenAPI ecosystem: `prism mock` (the devDependency) serves each
 * one, and answers one documented request per operation with a 2xx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';
import { documentedRequest } from '../helpers/documented-request.js';
import { loadContract } from '../helpers/mock.js';

const contract = await loadContract();
const root = packageRoot();
const prisms = new Map<string, { child: ChildProcess; port: number }>();

function startPrism(file: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'prism'), ['mock', '-h', '127.0.0.1', '-p', String(port), file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Prism is listening')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`prism exited ${code} before listening:\n${out}`)));
  });
}

beforeAll(async () => {
  await Promise.all(
    [...contract.apis.values()].map(async (a) => {
      const port = await freePort();
      prisms.set(a.api, { child: await startPrism(a.spec.file, port), port });
    }),
  );
}, 90_000);

afterAll(() => {
  for (const { child } of prisms.values()) child.kill('SIGTERM');
});

describe('prism mock serves every spec', () => {
  test.each(contract.operations.map((o) => [`${o.api} ${o.operationId}`, o] as const))('%s answers 2xx', async (_name, op) => {
    const { port } = prisms.get(op.api)!;
    const req = documentedRequest(op);
    const res = await fetch(`http://127.0.0.1:${port}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
    const text = await res.text();
    expect(res.status, `${req.method} ${req.path} → ${res.status} ${text.slice(0, 500)}`).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
  });
});
