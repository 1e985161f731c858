/**
 * Property (issue 28): under overlay, the item a GET `/things/{id}` answers for an item the session never touched
 * (rest-state.ts's untouchedItem: the documented item, else data seeded from the item's schema, with the path's id in
 * its id field) validates against that operation's response schema and holds that id, over the same public documents
 * as generated-answers.test.ts. The id is one a client would have: drawn from the id field's own schema, sent as text
 * in the path. restAnswer answers as the served path does (an item the schema refuses would be answered with fresh data
 * without the id: holding the id says the item itself was answered). The lists of those collections, untouched (the
 * document's listed items, else an empty page), are checked against their schema too.
 */
import { describe, expect, test } from 'vitest';
import { corpusName, corpusSample } from '../../bench/corpus-calls.mjs';
import { FakeData, seededRandom } from '../../src/answers/fake-data.js';
import { restAnswer } from '../../src/answers/rest-state.js';
import { contractWith } from '../../src/contract/contract-cache.js';
import { loadServedSpec } from '../../src/contract/load-specs.js';
import { propertiesOf } from '../../src/contract/rest-shape.js';
import type { JsonObject, Operation } from '../../src/contract/types.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { fixedClock } from '../../src/state/store.js';

const DOCUMENTS = 120;
const PER_DOCUMENT = 12;

describe('untouched REST items validate against their GET response schema', () => {
  test(`the item reads and lists of ${DOCUMENTS} public documents: none answered with a body it refuses`, async () => {
    const sample = corpusSample();
    const files = [...sample.documents, ...sample.more].slice(0, DOCUMENTS);
    const broken: string[] = [];
    let checked = 0;
    const store = new MemoryStore({
      clock: fixedClock(Date.UTC(2026, 0, 1)),
      seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }),
    });
    for (const [d, file] of files.entries()) {
      let reads: Operation[];
      let lists: Operation[];
      try {
        const spec = await loadServedSpec(file);
        const api = (await contractWith([spec])).apis.get(spec.api)!;
        reads = api.operations.filter((op) => op.rest?.kind === 'read' && op.success.validate);
        lists = api.operations.filter((op) => op.rest?.kind === 'list' && op.success.validate);
      } catch {
        continue; // refused whole: the corpus suite counts those
      }
      const pick = seededRandom(2000 + d);
      while (reads.length > PER_DOCUMENT) reads.splice(Math.floor(pick() * reads.length), 1);
      while (lists.length > PER_DOCUMENT) lists.splice(Math.floor(pick() * lists.length), 1);
      for (const [i, op] of [...reads, ...lists].entries()) {
        const role = op.rest!;
        const seed = 7919 * (d + 1) + i;
        const idSchema = propertiesOf(role.itemSchema)[role.idField];
        const drawn = idSchema ? new FakeData(seed, 'en').fromSchema(idSchema) : 'x1';
        const id = typeof drawn === 'string' || typeof drawn === 'number' ? String(drawn) : '17';
        checked++;
        const pathname = op.path.replace(/\{([^}]+)\}/g, (_, p: string) =>
          p === role.param && role.kind === 'read' ? encodeURIComponent(id) : 'p1',
        );
        const session = store.session(`s${checked}`);
        const outcome = await restAnswer(
          op,
          role,
          { query: {}, params: role.kind === 'read' ? { [role.param]: id } : {}, body: undefined },
          pathname,
          session,
          new FakeData(seed, 'en'),
          (collection, at) => new FakeData(seed + collection.length + at.length, 'en'),
        );
        const where = `${corpusName(file)} ${op.operationId} ${pathname}`;
        if (outcome.kind !== 'answer') {
          broken.push(`${where}: ${outcome.kind}`);
          continue;
        }
        const item = outcome.answer.body as JsonObject;
        const closed =
          role.itemSchema?.['additionalProperties'] === false && !(role.idField in propertiesOf(role.itemSchema));
        if (!op.success.validate!(item))
          broken.push(`${where}: ${JSON.stringify(op.success.validate!.errors?.slice(0, 2))}`);
        else if (role.kind === 'read' && !closed && String(item?.[role.idField]) !== id)
          broken.push(`${where}: id field ${role.idField} holds ${JSON.stringify(item?.[role.idField])}`);
      }
    }
    console.log(
      `untouched items: ${checked} item reads and lists, ${broken.length} answered with a body the schema refuses`,
    );
    expect(checked).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  }, 600_000);
});
