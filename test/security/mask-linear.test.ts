/**
 * Issue 25, finding 1: masking runs in time linear in its input. The secret-name patterns it replaced
 * backtracked O(n²): an addPushProject whose url was `:"` + `token` × 51,200 (256 KB) blocked the server 46 s,
 * and 1 MiB took minutes. These inputs must simply finish (within vitest's default timeout); how fast is
 * bench/mask.mjs's business, not a test's.
 */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { SecretMask } from '../../src/journal/secret-mask.js';
import { testMock } from '../helpers/mock.js';

const KB256 = 51_200;
const MIB = 209_716;

/** Text shapes that made the old patterns backtrack, `n` repetitions of a secret word each. */
const SHAPES: Array<[string, (n: number) => string]> = [
  ['the repro: `:"` and a name that never closes', (n) => ':"' + 'token'.repeat(n)],
  ['a JSON name that never closes', (n) => '{"' + 'token'.repeat(n) + ' :'],
  ['an escaped JSON name that never closes', (n) => '\\"' + 'token'.repeat(n) + '\\ :'],
  ['a form name that never meets `=`', (n) => '&' + 'token'.repeat(n) + '&='],
  ['a scheme that never meets `://`', (n) => 'a'.repeat(5 * n) + 'token:/'],
  ['userinfo that never meets `@`', (n) => 'http://' + 'token'.repeat(n) + '/'],
];

describe('masking adversarial text', () => {
  test.each(SHAPES)('%s, 256 KB and 1 MiB: finishes, nothing to mask', (_name, shape) => {
    const mask = new SecretMask();
    for (const n of [KB256, MIB]) {
      const text = shape(n);
      // (Compared as a boolean: a failure would print megabytes.)
      expect(mask.text(text) === text).toBe(true);
    }
  });

  test('1 MiB of pairs and of unterminated values: every value masked', () => {
    const mask = new SecretMask();
    const pairs = '"token":"SECRETVALUE",'.repeat(MIB / 4);
    expect(mask.text(pairs)).not.toContain('SECRETVALUE');
    const form = '&pwd=SECRETVALUE'.repeat(MIB / 3);
    expect(mask.text(form)).not.toContain('SECRETVALUE');
    // A string that never closes is masked to its end (the old patterns stopped at the first space).
    expect(mask.text(`{"token":"SECRET VALUE ${'x '.repeat(MIB)}`)).toMatch(/^\{"token":"\*\*\*[a-z]{8}"$/);
    expect(mask.text(`{\\"token\\":\\"SECRET VALUE ${'x '.repeat(MIB)}`)).toMatch(
      /^\{\\"token\\":\\"\*\*\*[a-z]{8}\\"$/,
    );
  });

  test('the 256 KB addPushProject of the report is served and journaled', async () => {
    const m = await testMock();
    const url = ':"' + 'token'.repeat(KB256);
    const res = await request(m.listener)
      .post('/wx/push/addPushProject')
      .set('X-Mock-Session', 'quadratic')
      .type('form')
      .send({ url, project: 'p' });
    expect(res.body.success).toBe(true);
    const calls = (await request(m.listener).get('/__mock/calls').set('X-Mock-Session', 'quadratic')).body;
    expect(calls).toHaveLength(1);
    expect(calls[0].operationId).toBe('addPushProject');
  });
});
