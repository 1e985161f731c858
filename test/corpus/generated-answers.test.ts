/**
 * Property (issue 28): an answer the mock generates from a response schema (no Prefer, no example: `generate`, as
 * examples.ts's fromResponse calls it) validates against that schema, over the response schemas of many public
 * documents: the corpus sample's 40 and the next 80 of the same seeded shuffle (test/corpus/sample.json), up to
 * PER_DOCUMENT responses of each (a seeded pick), each drawn with its own seed. Budget: about 90 s on one idle core.
 */
import { describe, expect, test } from 'vitest';
import { corpusName, corpusSample } from '../../bench/corpus-calls.mjs';
import { generate } from '../../src/answers/examples.js';
import { FakeData, seededRandom } from '../../src/answers/fake-data.js';
import { contractWith } from '../../src/contract/contract-cache.js';
import { loadServedSpec } from '../../src/contract/load-specs.js';
import type { DeclaredResponse } from '../../src/contract/types.js';

const DOCUMENTS = 120;
const PER_DOCUMENT = 12;

describe('generated answers validate against their schema', () => {
  test(`the response schemas of ${DOCUMENTS} public documents: none answered with a value it refuses`, async () => {
    const sample = corpusSample();
    const files = [...sample.documents, ...sample.more].slice(0, DOCUMENTS);
    const broken: string[] = [];
    let documents = 0;
    let checked = 0;
    for (const [d, file] of files.entries()) {
      let responses: Array<[string, DeclaredResponse]>;
      try {
        const spec = await loadServedSpec(file);
        const api = (await contractWith([spec])).apis.get(spec.api)!;
        responses = api.operations.flatMap((op) =>
          [...op.responses.values()]
            .filter((r) => r.schema && r.validate)
            .map((r): [string, DeclaredResponse] => [`${op.operationId} ${r.status}`, r]),
        );
      } catch {
        continue; // refused whole: the corpus suite counts those
      }
      documents++;
      const pick = seededRandom(1000 + d);
      while (responses.length > PER_DOCUMENT) responses.splice(Math.floor(pick() * responses.length), 1);
      for (const [i, [where, r]] of responses.entries()) {
        checked++;
        const value = generate(r.schema!, r.validate, new FakeData(7919 * (d + 1) + i, 'en'));
        if (!r.validate!(value))
          broken.push(`${corpusName(file)} ${where}: ${JSON.stringify(r.validate!.errors?.slice(0, 2))}`);
      }
    }
    console.log(
      `generated answers: ${checked} response schemas of ${documents} documents, ${broken.length} answered with a value the schema refuses`,
    );
    expect(documents).toBeGreaterThanOrEqual(DOCUMENTS - 5);
    expect(broken).toEqual([]);
  }, 600_000);
});
