/**
 * Issue 25: a served document's `pattern` and a scenario file's `matches` run in time linear in the value
 * (RE2, linear-regexp.ts). With V8's backtracking RegExp, `^(a+)+$` against 29 `a`s and a `!` blocked the
 * server 14 s, and each further character doubled it: the 40-character values below would take hours, so
 * these tests time out before the fix. A pattern RE2 cannot run is left unchecked, not refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { compileLinear } from '../../src/contract/linear-regexp.js';
import { matchesPredicate } from '../../src/scenarios/apply-scenarios.js';
import { lintServedSpecs } from '../../src/contract/lint-specs.js';
import { servedMock } from '../helpers/served.js';
import { loadContract } from '../helpers/mock.js';
import { lintScenarios } from '../../src/scenarios/lint-scenarios.js';
import { API_MODULES } from '../../src/server/create-mock.js';

const EVIL = 'a'.repeat(40) + '!';

function spec(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cm-redos-'));
  const file = join(dir, 'redos.yaml');
  writeFileSync(
    file,
    `openapi: 3.1.0
info: { title: redos, version: '1', x-api: redos }
servers: [{ url: /redos }]
paths:
  /items:
    post:
      operationId: addItem
      parameters:
        - { name: q, in: query, schema: { type: string, pattern: '^(a+)+$' } }
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: { type: string, pattern: '^(a|aa)+$' }
                code: { type: string, pattern: '^(?=x)x+$' }
                tag: { type: string, pattern: '^(\\w)\\1$' }
              patternProperties:
                '^(b+)+$': { type: integer }
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object } } } }
`,
  );
  return file;
}

describe("a served document's patterns", () => {
  test('a catastrophic pattern answers at once, and still judges: a value that breaks it is a violation, one that meets it is not', async () => {
    const m = await servedMock([spec()]);
    const bad = await request(m.listener)
      .post(`/redos/items?q=${EVIL}`)
      .send({ name: EVIL, ['b'.repeat(40) + '!']: 'x' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    const pointers = m.calls.at(-1)!.violations.map((v) => `${v.pointer} ${v.rule}`);
    expect(pointers).toEqual(expect.arrayContaining(['/query/q pattern', '/body/name pattern']));
    const good = await request(m.listener)
      .post(`/redos/items?q=${'a'.repeat(40)}`)
      .send({ name: 'a'.repeat(40) });
    expect(m.calls.at(-1)!.violations).toEqual([]);
    expect(good.status).toBe(200);
  });

  test('a pattern RE2 cannot run (lookahead, backreference) is not checked, the rest of the document is; lint says so', async () => {
    const file = spec();
    const m = await servedMock([file]);
    expect(m.contract.uncheckedPatterns.map((p) => p.pattern)).toEqual(['^(?=x)x+$', '^(\\w)\\1$']);
    await request(m.listener).post('/redos/items').send({ code: 'y', tag: 'ab', name: 'b' });
    expect(m.calls.at(-1)!.violations.map((v) => v.pointer)).toEqual(['/body/name']);
    const lint = await lintServedSpecs([file], { spectral: false });
    const unchecked = lint.filter((l) => l.rule === 'pattern-unchecked');
    expect(unchecked.map((l) => l.severity)).toEqual(['warning', 'warning']);
    expect(unchecked[0]!.message).toContain('^(?=x)x+$');
  });
});

describe("a scenario's `matches`", () => {
  test('runs in linear time and matches as before', () => {
    expect(matchesPredicate({ matches: '^(a+)+$' }, EVIL)).toBe(false);
    expect(matchesPredicate({ matches: '^(a+)+$' }, 'a'.repeat(40))).toBe(true);
    expect(matchesPredicate({ matches: '^ios/' }, 'ios/17.2')).toBe(true);
    expect(matchesPredicate({ matches: '^o' }, 'demo-org')).toBe(false);
    expect(matchesPredicate({ matches: '\\d{3}' }, 12345)).toBe(true);
  });

  test('a scenario file whose `matches` RE2 cannot run is refused at load, naming why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-redos-scn-'));
    writeFileSync(
      join(dir, 'lookahead.yaml'),
      'name: lookahead\ndescription: d\nrules:\n  - when:\n      headers: { x-client: { matches: "^(?=ios)" } }\n    then: { delay: 5 }\n',
    );
    const messages = lintScenarios([dir], await loadContract(), new Map(API_MODULES.map((m) => [m.api, m])));
    expect(messages.map((m) => m.message)).toEqual([
      expect.stringMatching(/^\/rules\/0\/when\/headers\/x-client\/matches: not a pattern RE2 can run in linear time/),
    ]);
  });

  test('compileLinear refuses lookaround and backreferences, with RE2s reason', () => {
    expect(compileLinear('^(a+)+$').ok).toBe(true);
    expect(compileLinear('(?<=a)b')).toMatchObject({ ok: false });
    expect(compileLinear('(a)\\1')).toMatchObject({ ok: false });
  });
});
