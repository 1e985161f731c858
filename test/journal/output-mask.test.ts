/** OutputMask: the journal's rule, then the literal secrets a command holds, wherever they still appear. */
import { expect, test } from 'vitest';
import { OutputMask } from '../../src/journal/output-mask.js';
import { SecretMask } from '../../src/journal/secret-mask.js';

const rule = new SecretMask(Buffer.alloc(32, 1));

test('masks by name, then replaces the literals given and learned in any string, key or depth', () => {
  const mask = new OutputMask(rule, ['S3cret-given', 'abc', undefined]);
  mask.learn({ data: { access_token: 'issued-tok-1', note: 'not a secret' } });
  const out = mask.value({
    url: 'https://t.example/x?org=1&key=S3cret-given',
    message: 'expected issued-tok-1 to be renewed',
    nested: [{ deep: { 'S3cret-given': 'abc' } }],
    secret: 'S3cret-given',
  });
  const text = JSON.stringify(out);
  expect(text).not.toContain('S3cret-given');
  expect(text).not.toContain('issued-tok-1');
  // A literal of under 4 characters is not replaced: it would mask every word holding it.
  expect(text).toContain('"abc"');
  expect(out.message).toBe(`expected ${rule.mask('issued-tok-1')} to be renewed`);
  expect(out.secret).toBe(rule.mask('S3cret-given'));
});

test('a __proto__ key stays data, and the input is not changed', () => {
  const mask = new OutputMask(rule, ['literal-1']);
  const input = JSON.parse('{"__proto__": {"polluted": "literal-1"}, "a": "literal-1"}') as Record<string, unknown>;
  const out = mask.value(input) as Record<string, unknown>;
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  expect(Object.keys(out)).toEqual(['__proto__', 'a']);
  expect(input['a']).toBe('literal-1');
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});
