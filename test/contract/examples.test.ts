/** Every example the specs carry (the documents' own, and the error envelopes) validates against its schema. */
import { describe, expect, test } from 'vitest';
import { exampleSites, checkExample, coercingAjv } from '../../src/contract/lint-specs.js';
import { loadContract } from '../helpers/mock.js';

const contract = await loadContract();
const coercing = await coercingAjv();
const sites = [...contract.apis.values()].flatMap((a) => exampleSites(a.spec.document).map((s) => ({ api: a.api, ...s })));

describe('documented examples', () => {
  test('every operation carries request (where it has a body) and response examples', () => {
    for (const op of contract.operations) {
      const base = `/paths/${op.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${op.method.toLowerCase()}`;
      const mine = sites.filter((s) => s.api === op.api && s.pointer.startsWith(base + '/'));
      expect(mine.some((s) => s.pointer.includes('/responses/')), `${op.operationId} response examples`).toBe(true);
      if (op.bodyKind !== 'none') expect(mine.some((s) => s.pointer.includes('/requestBody/')), `${op.operationId} request examples`).toBe(true);
    }
  });

  test.each(sites.map((s) => [`${s.api} ${s.pointer}`, s] as const))('%s', (_name, site) => {
    expect(checkExample(site, contract.ajv, coercing)).toEqual([]);
  });
});
