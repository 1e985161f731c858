/**
 * serve's --spec documents read on a worker thread while the mock's own modules load (issue 27, start-up of five
 * documents): what the worker answers is what the main thread would have read, errors included, and a start in
 * memory loads neither ioredis nor the YAML reader (~90 ms of start-up between them).
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadServedSpec } from '../../src/contract/load-specs.js';
import { packagesLoadedBy } from '../helpers/loaded-packages.js';
// The build: the worker thread runs dist/src/contract/spec-worker.js, as serve does.
import { loadSpec, prefetchServedSpecs, serveSpecsIn } from '../../dist/src/contract/spec-prefetch.js';

const TIMETABLE = resolve('examples/timetable.openapi.yaml');
const dir = mkdtempSync(join(tmpdir(), 'cm-prefetch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const petstore = (title: string): string =>
  `openapi: 3.1.0
info: { title: ${title}, version: '1' }
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        '200':
          description: a pet
          content: { application/json: { schema: { $ref: '#/components/schemas/Pet' } } }
        '404':
          description: none
          content: { application/json: { schema: { $ref: '#/components/schemas/Pet' } } }
components:
  schemas:
    Pet: { type: object, properties: { id: { type: integer }, name: { type: string } } }
`;

describe('serve --spec documents read on a worker thread', () => {
  test('the worker answers the document the main thread reads, shared schemas still shared', async () => {
    const file = join(dir, 'pets.yaml');
    writeFileSync(file, petstore('Pets'));
    const expected = await loadServedSpec(file);
    await prefetchServedSpecs([TIMETABLE, file]);
    // Gone from the disk: only the worker's copy can answer now.
    unlinkSync(file);
    const [tt, pets] = [await loadSpec(TIMETABLE), await loadSpec(file)];
    expect(tt).toEqual(await loadServedSpec(TIMETABLE));
    expect(pets).toEqual(expected);
    const responses = ((pets.document['paths'] as never)['/pets/{id}'] as never)['get']['responses'];
    const schema = (status: string): unknown => responses[status]['content']['application/json']['schema'];
    expect(schema('200')).toBe(schema('404'));
  });

  test("a document's error is the main thread's message, naming the file as given", async () => {
    const file = join(dir, 'swagger.yaml');
    writeFileSync(file, "swagger: '2.0'\ninfo: { title: old, version: '1' }\npaths: {}\n");
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'openapi: 3.1.0\npaths: [unclosed\n');
    const messages = new Map<string, string>();
    for (const f of [file, broken])
      messages.set(
        f,
        await loadServedSpec(f).then(
          () => '',
          (e: Error) => e.message,
        ),
      );
    await prefetchServedSpecs([file, broken]);
    for (const f of [file, broken]) {
      // Fixed on disk after the worker read it: the error can only be the worker's.
      writeFileSync(f, petstore('Fixed'));
      expect(messages.get(f)).toMatch(new RegExp(`^--spec ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      await expect(loadSpec(f)).rejects.toThrow(messages.get(f));
    }
  });

  test('a prefetched document is taken once: a later load (a --spec reload) reads the file again', async () => {
    const file = join(dir, 'edited.yaml');
    writeFileSync(file, petstore('Before'));
    await prefetchServedSpecs([file]);
    writeFileSync(file, petstore('Edited after the worker read it'));
    expect((await loadSpec(file)).raw['info']).toMatchObject({ title: 'Before' });
    writeFileSync(file, petstore('After'));
    expect((await loadSpec(file)).raw['info']).toMatchObject({ title: 'After' });
  });

  test('a missing file is left to the main thread, which names it', async () => {
    const missing = join(dir, 'missing.yaml');
    await prefetchServedSpecs([missing]);
    await expect(loadSpec(missing)).rejects.toThrow(`--spec ${missing}: cannot read it (ENOENT)`);
  });

  test("serve's --spec values are read from its command line before commander parses it; run's are not", () => {
    const argv = (...a: string[]): string[] => ['node', 'contract-mock', ...a];
    expect(serveSpecsIn(argv('serve', '--spec', 'a.yaml', '--port', '0', '--spec=b.json'))).toEqual([
      'a.yaml',
      'b.json',
    ]);
    expect(serveSpecsIn(argv('serve', '--port', '0'))).toEqual([]);
    expect(serveSpecsIn(argv('run', '--spec', 'a.yaml', '--', 'node', 'x.js'))).toEqual([]);
    expect(serveSpecsIn(argv('serve', '--spec'))).toEqual([]);
  });
});

test('an in-memory start of the four loads neither ioredis nor the YAML reader', () => {
  // serve's own path (contract, then the mock) in a fresh process, one call answered, then what was loaded.
  const loaded = packagesLoadedBy(
    `
    const { loadContract } = await import('./dist/src/contract/contract-cache.js');
    const { createMock } = await import('./dist/src/server/create-mock.js');
    const mock = await createMock({ contract: await loadContract(), log: () => {} });
    await new Promise((r) => mock.server.listen(0, '127.0.0.1', r));
    const res = await fetch('http://127.0.0.1:' + mock.server.address().port + '/v1/channel/token', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"appid":"demo-app","secret":"demo-secret"}' });
    const status = (await res.json()).status;
    await mock.shutdown(1000);
    return { status };
    `,
    ['ioredis', 'yaml'],
  );
  expect(loaded.stderr).toBe('');
  expect(loaded.result).toEqual({ status: 200 });
  expect(loaded.packages).toEqual({ ioredis: false, yaml: false });
});
