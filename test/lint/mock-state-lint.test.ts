/**
 * `x-mock-state` lint: each mistake a declaration can make, written into a copy of the roster fixture, is named at
 * its file:line with what is wrong, where (the operationId) and how to fix it; the fixture and the four built-in
 * specs lint clean; `contract-mock lint --spec FILE` prints the same line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { newAjv } from '../../src/contract/compile-contract.js';
import { loadServedSpec, loadSpecs, packageRoot } from '../../src/contract/load-specs.js';
import { checkMockState, TEMPLATE_PLACEHOLDERS } from '../../src/contract/mock-state-checks.js';
import { PLACEHOLDERS } from '../../src/answers/declared/answer-template.js';
import { lineOf } from '../../src/contract/yaml-lines.js';

const fixture = join(packageRoot(), 'test', 'verify', 'fixtures', 'roster.openapi.yaml');
const original = readFileSync(fixture, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'cm-mock-state-lint-'));

/** `line: message` for each problem of the document in `text`, as lint places them. */
async function lint(text: string, name = 'roster.openapi.yaml'): Promise<string[]> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const spec = await loadServedSpec(file);
  const yaml = parseDocument(text);
  return checkMockState(spec.document, newAjv(false)).map((p) => `${lineOf(yaml, text, p.at)}: ${p.message}`);
}

/**
 * The fixture with `from` replaced by `to` (which must occur once), and the line the problem is expected on: that of
 * `marker`'s first occurrence in the new text (by default `to`).
 */
function broken(from: string | RegExp, to: string, marker = to): { text: string; line: number } {
  const hits = original.split(from).length - 1;
  if (hits !== 1) throw new Error(`the fixture has ${hits} of ${String(from)}`);
  const text = original.replace(from, to);
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`the new text has no ${marker}`);
  return { text, line: text.slice(0, at).split('\n').length };
}

/** [the mistake, text replaced, its replacement, the message, the text on the expected line when not the replacement] */
const cases: Array<[string, string | RegExp, string, RegExp, string?]> = [
  ['a format problem', 'action: issue', 'action: mint', /x-mock-state: action is one of issue, renew, create/],
  [
    'an unknown collection in an action',
    'collection: schools, key: body.schoolId',
    'collection: school, key: body.schoolId',
    /^rosterSaveSchool: upsert names collection "school", which x-mock-state.collections does not declare \(declared: apps, tokens, schools, students\): declare it/,
  ],
  [
    'an unknown collection in a ref',
    'field: body.schoolId, collection: schools',
    'field: body.schoolId, collection: campuses',
    /^rosterCreateStudent: refs\[0\] names collection "campuses"/,
  ],
  [
    'an unknown collection in credentials',
    'credentials: { collection: apps,',
    'credentials: { collection: clients,',
    /^rosterToken: credentials names collection "clients"/,
  ],
  [
    'an unknown collection in auth',
    'auth: { collection: tokens,',
    'auth: { collection: sessions,',
    /^x-mock-state.auth names collection "sessions"/,
  ],
  [
    'an auth collection that holds no tokens',
    'auth: { collection: tokens,',
    'auth: { collection: schools,',
    /^x-mock-state.auth checks tokens in collection schools, which is not a token collection: give schools token/,
  ],
  [
    'a key not in the body',
    'key: body.studentId',
    'key: body.pupilId',
    /^rosterCreateStudent: key body.pupilId is not a field of the request's body \(it has studentId, name, schoolId, token\): name a field/,
  ],
  [
    'a key in the wrong place',
    'read, collection: students, key: query.studentId',
    'read, collection: students, key: body.studentId',
    /^rosterGetStudent: key body.studentId is not a field of the request's body \(it has none\): write query.studentId/,
  ],
  [
    'a path key not among the path parameters',
    'key: path.studentId',
    'key: path.id',
    /^rosterDeleteStudent: key path.id is not a field of the request's path parameters \(it has studentId\)/,
  ],
  [
    'a ref field not in the request',
    'field: body.schoolId',
    'field: body.campusId',
    /^rosterCreateStudent: refs\[0\] field body.campusId is not a field of the request's body/,
  ],
  [
    'a when field not in the request',
    'action: issue\n',
    'action: issue\n        when: body.refreshToken\n',
    /^rosterToken: when body.refreshToken is not a field of the request's body \(it has appKey, appSecret\)/,
    'when: body.refreshToken',
  ],
  [
    'a credentials key not in the request',
    'key: body.appKey',
    'key: body.appId',
    /^rosterToken: credentials key body.appId is not a field/,
  ],
  [
    'a credentials match field not in the request',
    'match: [appSecret]',
    'match: [appPassword]',
    /^rosterToken: credentials match body.appPassword is not a field of the request's body \(it has appKey, appSecret\)/,
  ],
  [
    'a duplicate code not in the catalogue',
    'duplicate: "4090"',
    'duplicate: "4099"',
    /^rosterCreateStudent: duplicate: code "4099" is not a key of x-error-catalog \(0, 4000, 4010, 4011, 4041, 4042, 4050, 4090, 5000\): add an entry/,
  ],
  [
    'a missing code not in the catalogue',
    'key: query.studentId, missing: "4042"',
    'key: query.studentId, missing: "404"',
    /^rosterGetStudent: missing: code "404" is not a key of x-error-catalog/,
  ],
  [
    "a ref's missing code not in the catalogue",
    'code: "4041", message',
    'code: "4044", message',
    /^rosterCreateStudent: refs\[0\] missing: code "4044" is not a key of x-error-catalog/,
  ],
  [
    'an invalid code not in the catalogue',
    'invalid: "4011"',
    'invalid: "4012"',
    /^rosterToken: invalid: code "4012" is not a key of x-error-catalog/,
  ],
  [
    "auth's invalid code not in the catalogue",
    'invalid: "4010" }',
    'invalid: "4019" }',
    /^x-mock-state.auth invalid: code "4019" is not a key of x-error-catalog/,
  ],
  [
    "a code not in the operation's x-codes",
    'x-codes: ["0", "4000", "4010", "4042", "5000"]\n      x-auth: { in: query',
    'x-codes: ["0", "4000", "4010", "5000"]\n      x-auth: { in: query',
    /^rosterGetStudent: missing: rosterGetStudent can answer code "4042", which is not in its x-codes \[0, 4000, 4010, 5000\]: add "4042" to rosterGetStudent's x-codes/,
    'key: query.studentId, missing',
  ],
  [
    "auth's invalid code not in a checked operation's x-codes",
    'summary: 保存学校\n      x-codes: ["0", "4000", "4010", "5000"]',
    'summary: 保存学校\n      x-codes: ["0", "4000", "5000"]',
    /^x-mock-state.auth invalid: rosterSaveSchool can answer code "4010", which is not in its x-codes/,
    'auth: { collection: tokens',
  ],
  [
    "a success message's code not in the catalogue",
    'missing: "4042", answer: none }',
    'missing: "4042", answer: none, message: { code: "200" } }',
    /^rosterDeleteStudent: message: code "200" is not a key of x-error-catalog/,
  ],
  [
    'a template placeholder the mock does not fill',
    'token: "{{token}}", expiresIn: "{{ttl}}"',
    'token: "{{token}}", expiresIn: "{{lifetime}}"',
    /^rosterToken: answer template names \{\{lifetime\}\}, which is not a value the mock fills: use one of \{\{token\}\}, \{\{ttl\}\}/,
    'answer: { data:',
  ],
  [
    'a message not in x-messages',
    'message: schoolMissing',
    'message: schoolGone',
    /^rosterCreateStudent: refs\[0\] missing: message "schoolGone" is not a text of x-messages/,
  ],
  [
    'a token action on a collection without token',
    'collection: tokens\n        credentials',
    'collection: apps\n        credentials',
    /^rosterToken: issue works on a token collection, and apps is not one: give apps token: \{ ttl: SECONDS \}/,
  ],
  [
    'an issue without credentials',
    /\n {8}credentials: .*/,
    '',
    /^rosterToken: issue needs credentials: \{ collection: NAME, key: body.F, match: \[fields\] \}/,
    'action: issue',
  ],
  [
    'an issue with a key',
    'action: issue\n',
    'action: issue\n        key: body.appKey\n',
    /^rosterToken: issue makes a new token and names no record by key: remove key/,
    'key: body.appKey',
  ],
  [
    "a collection's key not in its schema",
    'schools: { key: schoolId, schema: School }',
    'schools: { key: schoolCode, schema: School }',
    /^collection schools: its key "schoolCode" is not a property of its schema School: key it by one of schoolId, name, or list it in alsoStored/,
  ],
  [
    'a collection schema components.schemas lacks',
    'students: { key: studentId, schema: Student }',
    'students: { key: studentId, schema: Pupil }',
    /^collection students: schema names "Pupil", which components.schemas does not have/,
  ],
  [
    'a seed without the key',
    '- { appKey: demo-key, appSecret: demo-secret }',
    '- { appSecret: demo-secret }',
    /^collection apps: seed record 0 has no key field "appKey": give it appKey: VALUE/,
  ],
  [
    'a seed that does not meet the schema',
    '- { appKey: demo-key, appSecret: demo-secret }',
    '- { appKey: demo-key, appSecret: 7 }',
    /^collection apps: seed record 0 does not meet schema TokenRequest: \/appSecret must be string: correct the record/,
  ],
  [
    'declarations in a document without x-dialect',
    /x-dialect:\n(?: {2}.*\n)+/,
    '',
    /^x-mock-state declarations answer their codes in the document's own envelope, and this document has no x-dialect: add x-dialect/,
    '  collections:',
  ],
];

describe('x-mock-state lint', () => {
  test('the roster fixture has no x-mock-state problem', async () => {
    expect(await lint(original)).toEqual([]);
  });

  test.each(cases)('%s: its line and what to do', async (_, from, to, message, marker) => {
    const { text, line } = broken(from, to, marker);
    const found = await lint(text);
    expect(found, found.join('\n')).toHaveLength(1);
    expect(found[0]!.startsWith(`${line}: `), found[0]).toBe(true);
    expect(found[0]!.slice(`${line}: `.length)).toMatch(message);
  });

  test("an operation that skips the token check need not list auth's invalid code", async () => {
    const text = original
      .replace(
        'summary: 保存学校\n      x-codes: ["0", "4000", "4010", "5000"]',
        'summary: 保存学校\n      x-codes: ["0", "4000", "5000"]',
      )
      .replace('notStored: [token] }', 'notStored: [token], auth: false }');
    expect(text).not.toBe(original);
    expect(await lint(text)).toEqual([]);
  });

  test("lint's template placeholders are the ones the runtime fills", () => {
    expect([...TEMPLATE_PLACEHOLDERS]).toEqual([...PLACEHOLDERS]);
  });

  test('the four built-in specs have no x-mock-state problem', async () => {
    const ajv = newAjv(false);
    for (const spec of await loadSpecs()) expect(checkMockState(spec.document, ajv), spec.file).toEqual([]);
  });

  test('contract-mock lint --spec FILE prints FILE:LINE and the message, exit 1', () => {
    const { text, line } = broken('duplicate: "4090"', 'duplicate: "4099"');
    const file = join(dir, 'cli-roster.openapi.yaml');
    writeFileSync(file, text);
    const bin = join(packageRoot(), 'bin', 'contract-mock.js');
    const run = spawnSync(process.execPath, [bin, 'lint', '--no-spectral', '--spec', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain(
      `cli-roster.openapi.yaml:${line} error x-mock-state /paths/~1v1~1students~1create/post/x-mock-state/duplicate rosterCreateStudent: duplicate: code "4099" is not a key of x-error-catalog`,
    );
    expect(run.stdout).toMatch(/lint: 1 error\(s\)/);
  });
});
