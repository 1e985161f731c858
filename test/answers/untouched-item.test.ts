/**
 * REST-shaped state under overlay (issue 28): the item a GET `/things/{id}` answers for an untouched item meets the
 * read's response schema and holds the path's id, for the shapes the corpus property test found refused: an object
 * field named like the parameter, a closed item schema without an id field, and an optional field no value meets.
 * Each is the untouched item itself, the same whatever the call's seed, not data drawn afresh for the call.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FakeData } from '../../src/answers/fake-data.js';
import { restAnswer } from '../../src/answers/rest-state.js';
import { contractWith } from '../../src/contract/contract-cache.js';
import { loadServedSpec } from '../../src/contract/load-specs.js';
import type { JsonObject } from '../../src/contract/types.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { fixedClock } from '../../src/state/store.js';

const read = (schema: JsonObject): JsonObject => ({
  get: { operationId: 'x', responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } },
});
const doc = {
  openapi: '3.1.0',
  info: { title: 'untouched', version: '1' },
  paths: {
    '/actions/{action_id}': {
      parameters: [{ name: 'action_id', in: 'path', required: true, schema: { type: 'integer' } }],
      ...read({
        type: 'object',
        properties: { action: { type: 'object', properties: { status: { type: 'string' } } } },
      }),
    },
    '/bills/{billId}': {
      parameters: [{ name: 'billId', in: 'path', required: true, schema: { type: 'string' } }],
      ...read({ type: 'object', additionalProperties: false, properties: { name: { type: 'string' } } }),
    },
    '/codes/{code}': {
      parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }],
      ...read({
        type: 'object',
        properties: { code: { type: 'string' }, currency: { allOf: [{ type: 'string' }, { type: 'null' }] } },
      }),
    },
  },
};

describe('an untouched item meets its read schema', () => {
  test.each([
    ['/actions/{action_id}', '/actions/7', 'id', 7],
    ['/bills/{billId}', '/bills/b1', 'no field (closed schema)', undefined],
    ['/codes/{code}', '/codes/abc', 'code', 'abc'],
  ])('%s answers %s valid, its id in %s', async (path, pathname, field, id) => {
    const file = join(mkdtempSync(join(tmpdir(), 'untouched-')), 'doc.json');
    writeFileSync(file, JSON.stringify({ ...doc, paths: { [path]: doc.paths[path as keyof typeof doc.paths] } }));
    const spec = await loadServedSpec(file);
    const op = (await contractWith([spec])).apis.get(spec.api)!.operations[0]!;
    const store = new MemoryStore({
      clock: fixedClock(0),
      seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }),
    });
    // The untouched item is seeded by session and id (itemFake); an answer drawn afresh instead would follow the call's.
    const answer = async (seed: number, call: number): Promise<JsonObject> => {
      const outcome = await restAnswer(
        op,
        op.rest!,
        { query: {}, params: { [op.rest!.param]: pathname.split('/').pop()! }, body: undefined },
        pathname,
        store.session(`s${seed}`),
        new FakeData(call, 'en'),
        () => new FakeData(seed, 'en'),
      );
      return (outcome.kind === 'answer' ? outcome.answer.body : undefined) as JsonObject;
    };
    for (let seed = 1; seed <= 10; seed++) {
      const body = await answer(seed, 1000 + seed);
      expect(op.success.validate!(body), JSON.stringify(op.success.validate!.errors)).toBe(true);
      expect(await answer(seed, 2000 + seed)).toEqual(body);
      if (id !== undefined) expect(body[field]).toBe(id);
    }
  });
});
