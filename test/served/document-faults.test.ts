/**
 * The document's faults are not the client's (issue 28): an example that breaks its own schema is reported at
 * start-up and by lint, answered only when named, and journaled as the document's violation, which `report` lists
 * apart and does not fail on unless asked; a schema that cannot be compiled degrades its operation only; a
 * Swagger 2.0 file is refused with one line saying how to convert it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test, vi } from 'vitest';
import { loadServedSpec } from '../../src/contract/load-specs.js';
import { lintServedSpecs } from '../../src/contract/lint-specs.js';
import { buildReport, renderTable } from '../../src/journal/violation-report.js';
import { publishReport } from '../../src/cli/report.js';
import { servedContract, servedMock } from '../helpers/served.js';

const FAULTS = join(import.meta.dirname, 'fixtures', 'faults.openapi.yaml');

describe('an example that breaks its own schema', () => {
  test('is reported once at start-up with operation, status, example name and pointer', async () => {
    const contract = await servedContract([FAULTS]);
    const examples = contract.documentProblems.filter((p) => p.kind === 'example');
    expect(examples).toEqual([
      expect.objectContaining({
        operationId: 'getProfile',
        pointer: '/paths/~1profile/get/responses/200/content/application~1json/examples/lacksTitle/value',
        message: expect.stringMatching(
          /GET \/profile \(getProfile\) response 200 example "lacksTitle" breaks its own schema \(.*title/,
        ),
      }),
      expect.objectContaining({
        operationId: 'getMotd',
        pointer: '/paths/~1motd/get/responses/200/content/application~1json/example',
        message: expect.stringContaining('response 200 example "example"'),
      }),
    ]);
  });

  test('is not answered unless named: the first valid example, else generated data that validates', async () => {
    const m = await servedMock([FAULTS]);
    expect((await request(m.listener).get('/f/profile')).body).toEqual({ name: 'Ann', title: 'Dr' });
    const motd = await request(m.listener).get('/f/motd');
    expect(motd.status).toBe(200);
    expect(motd.body).toEqual({ text: expect.any(String), pages: expect.any(Number) });
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
  });

  test("named by Prefer, it is answered as written and journaled as the document's violation, which report lists apart and passes unless asked", async () => {
    const m = await servedMock([FAULTS]);
    const res = await request(m.listener).get('/f/profile').set('Prefer', 'example=lacksTitle');
    expect([res.status, res.body]).toEqual([200, { name: 'Ann' }]);
    expect(m.calls[0]!.violations).toEqual([expect.objectContaining({ side: 'document', rule: 'required' })]);
    const report = buildReport('default', m.calls);
    expect(report).toMatchObject({
      violations: 0,
      documentFaults: 1,
      operations: [expect.objectContaining({ operation: 'getProfile', violatingCalls: 0, documentFaults: 1 })],
    });
    expect(renderTable(report)).toContain("the served document's own schema");
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(publishReport('report', [report], {}, [])).toBe(0);
      expect(publishReport('report', [report], { failOnDocumentFaults: true }, [])).toBe(1);
    } finally {
      log.mockRestore();
    }
    m.close();
  });

  test('lint --spec names each one by operation, status and example name', async () => {
    const messages = await lintServedSpecs([FAULTS], { spectral: false });
    const examples = messages.filter((m) => m.rule === 'example-valid').map((m) => m.message);
    expect(examples).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^GET \/profile \(getProfile\) response 200 example "lacksTitle": example must have required property 'title'/,
        ),
        expect.stringMatching(/^GET \/motd \(getMotd\) response 200 example "example": example\/pages must be integer/),
      ]),
    );
  });
});

describe('a schema that cannot be compiled', () => {
  test('degrades its operation only: served from its example without that validation, warned at start-up, a lint error naming it', async () => {
    const contract = await servedContract([FAULTS]);
    const schemas = contract.documentProblems.filter((p) => p.kind === 'schema');
    expect(schemas.map((p) => [p.operationId, p.pointer])).toEqual([
      ['getOdd', '/paths/~1odd/get/responses/200'],
      ['getOdd', '/paths/~1odd/get/parameters'],
    ]);
    expect(schemas[0]!.message).toContain('#/components/schemas/Missing');
    const m = await servedMock([FAULTS]);
    const odd = await request(m.listener).get('/f/odd?n=7');
    expect([odd.status, odd.body]).toEqual([200, { any: 'thing' }]);
    expect((await request(m.listener).get('/f/profile')).status).toBe(200);
    expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
    m.close();
    const lint = await lintServedSpecs([FAULTS], { spectral: false });
    expect(lint.filter((l) => l.rule === 'schema-compile').map((l) => l.message)).toEqual([
      expect.stringContaining('GET /odd (getOdd): the response 200 schema cannot be compiled'),
      expect.stringContaining('GET /odd (getOdd): the query schema cannot be compiled'),
    ]);
  });
});

describe('a Swagger 2.0 document', () => {
  test('is refused with one line that says so and how to convert it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cm-swagger-')), 'old.yaml');
    writeFileSync(file, 'swagger: "2.0"\ninfo: { title: old, version: "1" }\npaths: {}\n');
    const refused = await loadServedSpec(file).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(refused).toMatch(
      /old\.yaml: not an OpenAPI 3\.0 or 3\.1 document but Swagger 2\.0: convert it first \(npx swagger2openapi .*old\.yaml -o .*old\.openapi\.yaml/,
    );
    expect(refused).not.toContain('\n');
  });
});
