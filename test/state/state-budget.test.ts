/** recordBytes: a record counted as its JSON's length without writing it (exact for ASCII text, which Redis counts the same). */
import { describe, expect, test } from 'vitest';
import { recordBytes } from '../../src/state/state-budget.js';

describe('recordBytes', () => {
  test.each([
    ['a string', 'http://127.0.0.1:9/x'],
    ['a long string', 'a'.repeat(100_000)],
    [
      'numbers',
      [
        0,
        7,
        -7,
        10,
        99,
        100,
        999_999_999_999_999,
        1_000_000_000_000_000,
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        1.5,
        -0.25,
        1e21,
      ],
    ],
    ['true, false, null', [true, false, null]],
    ['empty containers', { a: [], o: {}, s: '' }],
    ['a push project', { id: 12, url: 'http://127.0.0.1:9/hook', project: 'p1', statu: 0 }],
    ['a token list', Array.from({ length: 100 }, (_, i) => `token-${i}`)],
    ['nesting', { a: [{ b: [1, { c: 'd' }] }, [], [[]]], e: { f: { g: null } } }],
  ])('%s: the length of its JSON', (_, value) => {
    expect(recordBytes(value)).toBe(JSON.stringify(value).length);
  });

  test('fields JSON leaves out (undefined) are not counted; a BigInt counts its digits', () => {
    expect(recordBytes({ a: 1, b: undefined })).toBe(JSON.stringify({ a: 1 }).length);
    expect(recordBytes({ otherId: 9007199254740993n })).toBe('{"otherId":9007199254740993}'.length);
  });

  test('a long string of Chinese counts its UTF-8 bytes (as Redis stores it)', () => {
    const text = '示例'.repeat(200);
    expect(recordBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
  });
});
