/**
 * `--spec` beyond a local file read once: an http(s) URL (a loopback server here) is fetched at start, and a file is
 * reloaded on edit: the new contract answers the next call; a document that no longer loads keeps the previous one
 * with one log line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadContract } from '../../src/contract/contract-cache.js';
import { packageRoot } from '../../src/contract/load-specs.js';
import { startMock, type Mock } from '../../src/server/create-mock.js';
import { startMock as startListening } from '../../src/server/start-mock.js';
import { fixedClock } from '../../src/state/store.js';
import { freePort } from '../helpers/free-port.js';
import { T0 } from '../helpers/mock.js';

const doc = (paths: string[]): string =>
  `openapi: 3.1.0\ninfo: { title: Gadgets, version: 1.0.0, x-api: gadgets }\nservers: [{ url: /gadgets-api }]\npaths:\n` +
  paths
    .map(
      (p) =>
        `  ${p}:\n    get:\n      operationId: get${p.replace(/\W/g, '')}\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json:\n              schema: { type: object, required: [name], properties: { name: { type: string } } }\n              example: { name: ${p.slice(1)} }\n`,
    )
    .join('');

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/specs/gadgets.yaml') return void res.writeHead(404).end('no such document');
    res.writeHead(200, { 'content-type': 'application/yaml' }).end(doc(['/gadget']));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const mockOf = (specFiles: string[], logs: string[] = [], watch = false): Promise<Mock> =>
  startMock({
    specFiles,
    ...(watch && { watchSpecs: specFiles }),
    clock: fixedClock(T0),
    seed: 42,
    log: (m) => logs.push(m),
  });

describe('--spec URL', () => {
  test('an http URL is fetched and served beside the four APIs, named by its path', async () => {
    const m = await mockOf([`${base}/specs/gadgets.yaml`]);
    const got = await request(m.listener).get('/gadgets-api/gadget');
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ name: 'gadget' });
    expect(m.contract.apis.get('gadgets')?.spec.file).toBe(`${base}/specs/gadgets.yaml`);
    m.close();
  });

  test('a URL that answers 404, or where nothing listens, is one line naming the URL', async () => {
    await expect(loadContract([`${base}/specs/nope.yaml`])).rejects.toThrow(
      `--spec ${base}/specs/nope.yaml: the server answered HTTP 404, not the document`,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.yaml`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(loadContract([url])).rejects.toThrow(`--spec ${url}: cannot fetch it (ECONNREFUSED)`);
  });
});

describe('--spec FILE reloaded on edit', () => {
  test('an edit is served from the next call; a document that no longer loads keeps the previous version, one log line', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cm-spec-reload-')), 'gadgets.yaml');
    writeFileSync(file, doc(['/gadget']));
    const logs: string[] = [];
    const m = await mockOf([file], logs, true);
    expect((await request(m.listener).get('/gadgets-api/widget')).status).toBe(404);

    const reloaded = new Promise((r) => m.specs!.once('reload', r));
    writeFileSync(file, doc(['/gadget', '/widget']));
    await reloaded;
    expect((await request(m.listener).get('/gadgets-api/widget')).body).toEqual({ name: 'widget' });
    expect(logs).toContain(`contract-mock: --spec ${file} reloaded (2 operation(s) of gadgets)`);
    // The admin API shows the document now served.
    expect(Object.keys((await request(m.listener).get('/__mock/specs/gadgets')).body.paths)).toEqual([
      '/gadget',
      '/widget',
    ]);

    const rejected = new Promise((r) => m.specs!.once('invalid', r));
    writeFileSync(file, 'openapi: 3.1.0\npaths: [this is: not: yaml\n');
    await rejected;
    expect((await request(m.listener).get('/gadgets-api/widget')).body).toEqual({ name: 'widget' });
    const kept = logs.filter((l) => l.includes('keeping the previous version'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(
      new RegExp(`^contract-mock: --spec ${file} not reloaded, keeping the previous version: not YAML or JSON: `),
    );
    m.close();
  });

  test("startMock({ specFiles, watchSpecs }) from a script: the listening mock's contract is the reloaded one", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cm-spec-reload-')), 'gadgets.yaml');
    writeFileSync(file, doc(['/gadget']));
    const mock = await startListening({ specFiles: [file], watchSpecs: [file], log: () => {} });
    const reloaded = new Promise((r) => mock.specs!.once('reload', r));
    writeFileSync(file, doc(['/gadget', '/widget']));
    await reloaded;
    expect(mock.contract.operations.filter((op) => op.api === 'gadgets').map((op) => op.operationId)).toEqual([
      'getgadget',
      'getwidget',
    ]);
    expect(await (await fetch(`${mock.url}/gadgets-api/widget`)).json()).toEqual({ name: 'widget' });
    await mock.close();
  });
});

/** `contract-mock ARGS` in `cwd`, not blocking this process (its loopback server must answer): output and exit code, or the output once `until` appears. */
function cli(
  args: string[],
  cwd: string,
  until?: string,
): Promise<{ out: string; code: number | null; stop: () => Promise<unknown> }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'contract-mock.js'), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const stop = () => (child.kill('SIGTERM'), exited);
  return new Promise((resolve) => {
    let out = '';
    const take = (d: Buffer): void => {
      out += d.toString();
      if (until && out.includes(until)) resolve({ out, code: null, stop });
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    void exited.then((code) => resolve({ out, code, stop }));
  });
}

describe('--spec URL from the command line', () => {
  test('serve takes the URL from a config file (left as written, not made a path); a URL that answers 404 is exit 2, one line', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cm-spec-url-'));
    writeFileSync(join(cwd, 'contract-mock.config.json'), JSON.stringify({ spec: [`${base}/specs/gadgets.yaml`] }));
    const port = await freePort();
    const served = await cli(['serve', '--port', String(port)], cwd, 'admin API');
    expect(served.out).toContain('5 APIs');
    expect(await (await fetch(`http://127.0.0.1:${port}/gadgets-api/gadget`)).json()).toEqual({ name: 'gadget' });
    expect(await served.stop()).toBe(0);

    const refused = await cli(['serve', '--port', '0', '--spec', `${base}/specs/nope.yaml`], tmpdir());
    expect(refused.code).toBe(2);
    expect(refused.out.trim()).toBe(
      `contract-mock serve: --spec ${base}/specs/nope.yaml: the server answered HTTP 404, not the document`,
    );
  }, 60_000);
});
