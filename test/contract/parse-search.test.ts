/** The hand-rolled form/query parser decodes exactly as URLSearchParams does (first value of a repeated key wins). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_PARSE_LIMITS, parseSearch } from '../../src/contract/validate-request.js';

function reference(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search))
    if (!(k in out) && !['__proto__', 'constructor', 'prototype'].includes(k)) out[k] = v;
  return out;
}

describe('parseSearch', () => {
  test('agrees with URLSearchParams on arbitrary and encoded input', () => {
    const piece = fc.oneof(
      fc.string(),
      fc.string().map(encodeURIComponent),
      fc.constantFrom('%', '%2', '%zz', '+', 'a+b', '%E4%B8%AD', '%E4%B8', '=', '&&'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, piece), { maxLength: 6 }), fc.boolean(), (pairs, withEquals) => {
        const search = pairs.map(([k, v]) => (withEquals ? `${k}=${v}` : k)).join('&');
        expect({ ...parseSearch(search, { ...DEFAULT_PARSE_LIMITS, maxFields: 1000 }, [], '/query') }).toEqual(
          reference(search),
        );
      }),
      { numRuns: 2000, seed: 42 },
    );
  });
});
