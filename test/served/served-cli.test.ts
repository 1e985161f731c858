/** `serve --spec` and `lint --spec` from the command line: a served API on a real port beside the four; a collision is one plain line and exit 2. */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';
import { oasExample } from '../helpers/served.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const PETSTORE = oasExample('3.0/yaml/petstore-expanded.yaml');
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

describe('contract-mock serve --spec', () => {
  test('serves the document at its servers path beside the four APIs', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--spec', PETSTORE], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('listening on') && resolve(out)));
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    expect(line).toContain('5 APIs');
    const base = `http://127.0.0.1:${port}`;
    const created = await fetch(`${base}/api/pets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Rex"}',
    });
    const pet = (await created.json()) as { id: number };
    expect((await (await fetch(`${base}/api/pets/${pet.id}`)).json()) as object).toEqual({ name: 'Rex', id: pet.id });
    const health = (await (await fetch(`${base}/__mock/health`)).json()) as { apis: Array<{ name: string }> };
    expect(health.apis.map((a) => a.name)).toContain('petstore-expanded');
    const token = await fetch(`${base}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });
    expect(((await token.json()) as { status: number }).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test('a second document with the same paths is refused at start: one line naming both files, exit 2', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'cm-cli-dup-')), 'pets-again.yaml');
    copyFileSync(PETSTORE, copy);
    const run = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--spec', PETSTORE, '--spec', copy], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^contract-mock serve: .*pets-again\.yaml and .*petstore-expanded\.yaml both serve the path \/api\/pets/,
    );
  });
});

describe("serve --spec: a document's faults and --rest-state (issue 28)", () => {
  test('start-up names each fault of the document, --rest-state strict keeps untouched items missing, a bad mode is exit 2', async () => {
    const port = await freePort();
    const faults = join(import.meta.dirname, 'fixtures', 'faults.openapi.yaml');
    const things = join(import.meta.dirname, 'fixtures', 'things.openapi.yaml');
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', String(port), '--spec', faults, '--spec', things, '--rest-state', 'strict'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('listening on') && resolve()));
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/t/things/42`)).status).toBe(404);
    expect(err).toMatch(
      /warning: .*faults\.openapi\.yaml: GET \/profile \(getProfile\) response 200 example "lacksTitle" breaks its own schema .* \(at \/paths\/~1profile\/get\/responses\/200\/content\/application~1json\/examples\/lacksTitle\/value\)/,
    );
    expect(err).toMatch(/warning: .*GET \/odd \(getOdd\): the query schema cannot be compiled/);
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const bad = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--rest-state', 'sometimes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--rest-state must be overlay or strict, got sometimes');
  });
});

describe('contract-mock lint --spec', () => {
  test('a public document lints clean; a broken one exits 1 naming the file', () => {
    const ok = spawnSync(process.execPath, [bin, 'lint', '--no-spectral', '--spec', PETSTORE], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const bad = join(mkdtempSync(join(tmpdir(), 'cm-cli-lint-')), 'broken.yaml');
    writeFileSync(
      bad,
      'openapi: 3.1.0\ninfo: { title: broken, version: "1" }\npaths:\n  /things:\n    get:\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json:\n              schema: { type: integer }\n              example: not-a-number\n',
    );
    const run = spawnSync(process.execPath, [bin, 'lint', '--no-spectral', '--spec', bad], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/broken\.yaml:\d+ error example-valid/);
    // Two lint processes, 3 s each alone; a busy machine (CI's parallel workers) has stretched them past 30 s.
  }, 120_000);
});
