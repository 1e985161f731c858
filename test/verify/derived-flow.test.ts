/**
 * Verify flows derived from x-mock-state: the roster fixture's declarations become a flow (token, create, duplicate,
 * read, missing reference, unknown token, wrong secret, delete, delete again, read after delete) whose requests
 * start from the documented examples and carry this run's keys.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_APIS } from '../../src/apis/builtin-apis.js';
import { derivedSecrets } from '../../src/verify/verify-target.js';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { deriveFlow } from '../../src/verify/derive-flow.js';
import { keyFor } from '../../src/verify/derived-parts.js';
import { servedContract } from '../helpers/served.js';

const roster = join(packageRoot(), 'test', 'verify', 'fixtures', 'roster.openapi.yaml');

describe('deriveFlow', () => {
  test('the roster declarations make the whole walk, parents written first and deleted last', async () => {
    const contract = await servedContract([roster]);
    const flow = deriveFlow(contract.apis.get('roster')!)!;
    expect(flow.steps.map((s) => [s.label, s.operationId, s.expect])).toEqual([
      ['issue a token', 'rosterToken', '0'],
      ['upsert a schools record', 'rosterSaveSchool', '0'],
      ['create a students record', 'rosterCreateStudent', '0'],
      ['create it again: 4090', 'rosterCreateStudent', '4090'],
      ['read the students record', 'rosterGetStudent', '0'],
      ['create a students record naming a missing schools: 4041', 'rosterCreateStudent', '4041'],
      ['an unknown token: 4010', 'rosterSaveSchool', '4010'],
      ['a wrong appSecret: 4011', 'rosterToken', '4011'],
      ['renew the token', 'rosterRefresh', '0'],
      ['delete the students record', 'rosterDeleteStudent', '0'],
      ['delete it again: 4042', 'rosterDeleteStudent', '4042'],
      ['read it after the delete: 4042', 'rosterGetStudent', '4042'],
    ]);
    expect(flow.credentials).toEqual({ 'roster.appKey': 'demo-key', 'roster.appSecret': 'demo-secret' });
    expect(flow.secrets).toEqual(['roster.appSecret']);
  });

  test("requests carry the run's keys, the token where x-auth reads it, and the parent's key in each ref", async () => {
    const contract = await servedContract([roster]);
    const flow = deriveFlow(contract.apis.get('roster')!)!;
    const v = { ...flow.start({ run: '1abcdef', credentials: { 'roster.appSecret': 'given' } }), token: 'tk-run' };
    const [issue, school, student, , read, orphan, unknown, , renew, del] = flow.steps;
    const id = keyFor({ type: 'string', minLength: 1 }, v.n, 0);
    expect(issue!.request(v)).toMatchObject({ body: { appKey: 'demo-key', appSecret: 'given' } });
    expect(school!.request(v)).toMatchObject({ body: { token: 'tk-run', schoolId: id, name: '第一中学' } });
    expect(student!.request(v)).toMatchObject({ body: { token: 'tk-run', studentId: id, schoolId: id } });
    expect(read!.request(v)).toMatchObject({ query: { token: 'tk-run', studentId: id } });
    expect(orphan!.request(v).body).toMatchObject({
      schoolId: keyFor(undefined, v.n, 1),
      studentId: keyFor(undefined, v.n, 2),
    });
    expect(unknown!.request(v).body).toMatchObject({ token: 'contract-mock-unknown-token', schoolId: id });
    expect(renew!.request(v)).toMatchObject({ body: { token: 'tk-run' } });
    expect(del!.request(v)).toMatchObject({ path: { studentId: id }, body: { token: 'tk-run' } });
    expect(issue!.carry!({ ret: 0, msg: 'ok', body: { token: 'T', expiresIn: 7200 } }, v)).toEqual({ token: 'T' });
    expect(read!.check!({ ret: 0, msg: 'ok', body: { studentId: 'other' } }, v)).toMatch(
      /the answer's studentId is "other", expected/,
    );
  });

  test('no envelope, no flow: the mock does not answer declarations in a document without x-dialect', async () => {
    const text = readFileSync(roster, 'utf8').replace(/x-dialect:\n(?: {2}.*\n)+/, '');
    const file = join(mkdtempSync(join(tmpdir(), 'cm-derive-')), 'roster.openapi.yaml');
    writeFileSync(file, text);
    const contract = await servedContract([file]);
    expect(deriveFlow(contract.apis.get('roster')!)).toBeUndefined();
  });

  test('the derived secrets, given or seeded, are masked in the reports', async () => {
    const contract = await servedContract([roster]);
    expect(derivedSecrets(contract, {}, BUILTIN_APIS)).toEqual(['demo-secret']);
    expect(derivedSecrets(contract, { 'roster.appSecret': 's3cret' }, BUILTIN_APIS)).toEqual(['s3cret']);
  });

  test('keys fit their schema: integers in range, strings within their lengths', () => {
    expect(keyFor({ type: 'integer' }, 5, 1)).toBe(700_000_016);
    expect(keyFor({ type: 'integer', minimum: 1, maximum: 100 }, 50, 0)).toBeLessThanOrEqual(100);
    expect(String(keyFor({ type: 'string', maxLength: 4 }, 123456, 2))).toHaveLength(4);
    expect(String(keyFor({ type: 'string', minLength: 12 }, 1, 0))).toHaveLength(12);
  });
});
