/** Every example the specs carry (the documents' own, and the error envelopes) validates against its schema. */
import { describe, expect, test } from 'vitest';
import { exampleSites, checkExample, coercingAjv } from '../../src/contract/lint-specs.js';
import { loadContract } from '../helpers/mock.js';

const contract = await loadContract();
const coercing = await coercingAjv();
const sites = [...contract.apis.values()].flatMap((a) =>
  exampleSites(a.spec.document).map((s) => ({ api: a.api, ...s })),
);

describe('documented examples', () => {
  test('every operation carries request (where it has a body) and response examples', () => {
    for (const op of contract.operations) {
      const base = `/paths/${op.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${op.method.toLowerCase()}`;
      const mine = sites.filter((s) => s.api === op.api && s.pointer.startsWith(base + '/'));
      expect(
        mine.some((s) => s.pointer.includes('/responses/')),
        `${op.operationId} response examples`,
      ).toBe(true);
      if (op.bodyKind !== 'none')
        expect(
          mine.some((s) => s.pointer.includes('/requestBody/')),
          `${op.operationId} request examples`,
        ).toBe(true);
    }
  });

  test.each(sites.map((s) => [`${s.api} ${s.pointer}`, s] as const))('%s', (_name, site) => {
    expect(checkExample(site, contract.ajv, coercing)).toEqual([]);
  });
});

describe('form fields that carry JSON (ios-datasyn json)', () => {
  const fields = contract.operations.flatMap((op) => {
    const schema = (
      (op.raw['requestBody'] as Record<string, unknown> | undefined)?.['content'] as
        Record<string, { schema?: { properties?: Record<string, Record<string, unknown>> } }> | undefined
    )?.['application/x-www-form-urlencoded']?.schema;
    return Object.entries(schema?.properties ?? {})
      .filter(([, s]) => s['contentMediaType'] === 'application/json')
      .map(([name, s]) => [`${op.operationId} ${name}`, s] as const);
  });

  test('there are some', () => expect(fields.length).toBeGreaterThanOrEqual(3));

  test.each(fields)('%s has a minLength and examples that are valid JSON meeting its contentSchema', (_name, s) => {
    expect(s['minLength']).toBeGreaterThanOrEqual(2);
    const examples = s['examples'] as string[];
    expect(examples.length).toBeGreaterThan(0);
    const validate = contract.ajv.compile(s['contentSchema'] as object);
    for (const text of examples) {
      expect(text.length).toBeGreaterThanOrEqual(s['minLength'] as number);
      expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});

describe("a provider answering like its document's examples passes verify's response check", () => {
  const responseExamples = contract.operations.flatMap((op) =>
    Object.entries(
      (
        ((op.raw['responses'] as Record<string, Record<string, unknown>>)['200']?.['content'] ?? {}) as Record<
          string,
          { examples?: Record<string, { value: unknown }> }
        >
      )['application/json']?.examples ?? {},
    ).map(([name, ex]) => [`${op.api} ${op.operationId} ${name}`, op, ex.value] as const),
  );
  test.each(responseExamples)('%s', async (_n, op, value) => {
    const { checkResponse } = await import('../../src/contract/check-response.js');
    const result = checkResponse(op, contract.apis.get(op.api)!.dialect, {
      status: 200,
      contentType: 'application/json',
      text: JSON.stringify(value),
    });
    expect(result.failures).toEqual([]);
  });

  test('wx-push receive: the document\'s {"code":741,"message":"success"} is among them', () => {
    expect(
      responseExamples.some(([, op, v]) => op.operationId === 'receive' && (v as { code: number }).code === 741),
    ).toBe(true);
  });
});
