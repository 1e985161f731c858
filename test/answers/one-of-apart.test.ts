/**
 * A `oneOf` whose branches differ only deep inside array items (nexmo's reports, issue 28): every branch has the same
 * top-level fields, none required, and its `records` items are open objects that differ by field name alone, so a
 * value drawn for one branch matches several. generate() must still answer one that matches exactly one.
 */
import { describe, expect, test } from 'vitest';
import { generate } from '../../src/answers/examples.js';
import { FakeData } from '../../src/answers/fake-data.js';
import { newAjv } from '../../src/contract/compile-contract.js';
import type { JsonObject } from '../../src/contract/types.js';

const item = (fields: Record<string, string>): JsonObject => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, { type: t }])),
});
const branch = (fields: Record<string, string>): JsonObject => ({
  allOf: [
    { type: 'object', properties: { account: { type: 'string' }, count: { type: 'integer' } } },
    { type: 'object', properties: { records: { type: 'array', items: item(fields) } } },
  ],
});
const report: JsonObject = {
  oneOf: [
    branch({ from: 'string', to: 'string', client_ref: 'string' }),
    branch({ from: 'string', to: 'string' }),
    branch({ from: 'string', call_id: 'string', duration: 'integer' }),
    branch({ from: 'string', provider: 'string' }),
    branch({ to: 'string', first_name: 'string' }),
  ],
};

describe('generate: a oneOf told apart only inside array items', () => {
  const validate = newAjv(false).compile(report);
  test.each(Array.from({ length: 20 }, (_, i) => i))('seed %i answers a value matching exactly one branch', (seed) => {
    const value = generate(report, validate, new FakeData(seed, 'en'));
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });
});
