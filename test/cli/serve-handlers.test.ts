/**
 * `serve --handlers FILE` through the real binary: a plug-in handler answers a served document's operation with
 * session state across calls, a throwing one is the server-error envelope (journaled, the server keeps running), and a
 * file that does not import or names an unknown operationId stops `serve` with one line and exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const WIDGETS = join(import.meta.dirname, '..', 'served', 'fixtures', 'widgets.openapi.json');
const dir = mkdtempSync(join(tmpdir(), 'cm-handlers-'));
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const handlers = file(
  'handlers.mjs',
  `/** @type {import('contract-mock').Handler} */
export async function getStatus({ session }) {
  const visits = ((await session.get('widgets:visits', 'n')) ?? 0) + 1;
  await session.put('widgets:visits', 'n', visits);
  return { state: visits % 2 ? 'up' : 'down', visits };
}
export const getGadget = async () => {
  throw new Error('gadget plug-in broke');
};
`,
);

let base: string;
beforeAll(async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', String(port), '--spec', WIDGETS, '--handlers', handlers],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => void ((out += d), out.includes('listening on') && resolve()));
    child.stderr!.on('data', (d: Buffer) => void (out += d));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
});

const get = (path: string, session = 'plug') => fetch(`${base}${path}`, { headers: { 'x-mock-session': session } });

test("a plug-in handler answers a served document's operation and keeps session state across calls", async () => {
  const first = await get('/v1/status');
  expect(first.status).toBe(200);
  expect(await first.json()).toEqual({ state: 'up', visits: 1 });
  expect(await (await get('/v1/status')).json()).toEqual({ state: 'down', visits: 2 });
  // Another session starts from its own state.
  expect(await (await get('/v1/status', 'other')).json()).toEqual({ state: 'up', visits: 1 });
});

test('a throwing plug-in handler is the server-error answer, journaled, and the server keeps running', async () => {
  const failed = await get('/v1/gadgets/7', 'broken');
  expect(failed.status).toBe(500);
  expect(failed.headers.get('x-mock-error')).toContain('gadget plug-in broke');
  const calls = (await (await get('/__mock/calls', 'broken')).json()) as Array<{
    operationId: string;
    response: { status: number };
  }>;
  expect(calls.map((c) => [c.operationId, c.response.status])).toEqual([['getGadget', 500]]);
  expect((await get('/v1/status', 'after')).status).toBe(200);
});

function serveFails(handlersFile: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--spec', WIDGETS, '--handlers', handlersFile], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

test('a handlers file that does not import stops serve with one line and exit 2', () => {
  const broken = file('broken.mjs', 'export const getStatus = async () => {;\n');
  const { status, stderr } = serveFails(broken);
  expect(status).toBe(2);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^contract-mock serve: --handlers .*broken\.mjs: cannot load it: /);
});

test('a handlers file naming an unknown operationId stops serve with one line and exit 2', () => {
  const unknown = file('unknown.mjs', 'export const getWidgett = async () => ({});\n');
  const { status, stderr } = serveFails(unknown);
  expect(status).toBe(2);
  expect(stderr.trim()).toBe(
    `contract-mock serve: --handlers ${unknown}: no served operation has operationId "getWidgett"`,
  );
});
