/** JSON pointers (RFC 6901), as violations name the field they are about and dialects find an envelope's code. */
import { describe, expect, test } from 'vitest';
import { getPointer, joinPointer, setPointer, splitPointer } from '../../src/contract/json-pointer.js';

const doc = { a: { 'b/c': { 'd~e': 1 } }, list: [10, { x: null }], '': 'empty key', zero: 0 };

describe('JSON pointer', () => {
  test.each([
    ['', []],
    ['/', ['']],
    ['/a', ['a']],
    ['/a/b~1c/d~0e', ['a', 'b/c', 'd~e']],
    // ~01 is "~1" unescaped once, not "/": ~1 is replaced first, then ~0 (RFC 6901 section 4).
    ['/~01', ['~1']],
  ])('splits %j into %j, and joins it back', (pointer, segments) => {
    expect(splitPointer(pointer)).toEqual(segments);
    if (pointer !== '') expect(joinPointer(...segments)).toBe(pointer);
  });

  test.each([
    ['', doc],
    ['/', 'empty key'],
    ['/a/b~1c/d~0e', 1],
    ['/list/1/x', null],
    ['/zero', 0],
    ['/list/0/deeper', undefined],
    ['/list/1/x/deeper', undefined],
    ['/missing/x', undefined],
    ['/a/toString', undefined],
  ])('reads %j as %j', (pointer, value) => {
    expect(getPointer(doc, pointer)).toEqual(value);
  });

  test('sets a value under an existing parent, and refuses a missing parent, a primitive parent or the whole document', () => {
    const target: Record<string, unknown> = { meta: { message: 'old' }, n: 1 };
    expect(setPointer(target, '/meta/message', 'new')).toBe(true);
    expect(setPointer(target, '/top', 2)).toBe(true);
    expect(setPointer(target, '/nope/message', 'x')).toBe(false);
    expect(setPointer(target, '/n/x', 'x')).toBe(false);
    expect(setPointer(target, '', 'x')).toBe(false);
    expect(target).toEqual({ meta: { message: 'new' }, n: 1, top: 2 });
  });
});
