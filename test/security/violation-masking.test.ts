/**
 * Issue 25, finding 8: violation messages are masked like the rest of the record. An unquoted secret in bad
 * JSON (`"secret":Hunter2Secret`) made V8's parse error quote `Hunter2Sec` into the violation, and from there
 * into calls, HAR, NDJSON, SSE, `report` and its JUnit and JSON files.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { SecretMask } from '../../src/journal/secret-mask.js';
import { listen } from '../helpers/listen.js';
import { servedMock } from '../helpers/served.js';
import request from 'supertest';
import { writeFileSync } from 'node:fs';
import { testMock } from '../helpers/mock.js';
import { openEventStream, type EventStream } from '../helpers/event-stream.js';

const S = 'violation-secrets';
/** Parts of each secret sent; none may show anywhere. */
const PARTS = ['Hunter2', 'unter2Sec', "'H'", 'Formpass9', 'ormpass9'];
const dir = mkdtempSync(join(tmpdir(), 'cm-vmask-'));
let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
let events: EventStream;

const post = (path: string, body: string, type: string) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type, 'x-mock-session': S }, body });

beforeAll(async () => {
  m = await testMock({ journal: { file: join(dir, 'calls.ndjson') } });
  base = await listen(m.server);
  events = await openEventStream(base, S);
  await post('/v1/channel/token', '{"appid":"demo-app","secret":Hunter2Secret}', 'application/json');
  // The same inside a JSON form field (ios-datasyn's `json`), unquoted after a secret name.
  await post(
    '/datasyn/syn/synmetas',
    `token=t&json=${encodeURIComponent('{"tablemeta":[],"password":Formpass9}')}`,
    'application/x-www-form-urlencoded',
  );
  for (let i = 0; i < 100 && (events.text.match(/event: call/g) ?? []).length < 2; i++)
    await new Promise((r) => setTimeout(r, 10));
});

afterAll(() => {
  events.close();
  m.server.closeAllConnections();
  m.server.close();
});

function report(...args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [join(packageRoot(), 'bin', 'contract-mock.js'), 'report', ...args],
      { encoding: 'utf8' },
      (_err, stdout, stderr) => resolve(stdout + stderr),
    ),
  );
}

describe('a secret quoted by a parse error', () => {
  test('is in no call, export, stream, journal file or report', async () => {
    const get = async (path: string) => (await fetch(`${base}${path}`, { headers: { 'x-mock-session': S } })).text();
    const out = await report(
      '--url',
      base,
      '--session',
      S,
      '--junit',
      join(dir, 'junit.xml'),
      '--json',
      join(dir, 'report.json'),
    );
    const places: Record<string, string> = {
      calls: await get('/__mock/calls'),
      har: await get('/__mock/calls.har'),
      ndjson: await get('/__mock/calls.ndjson'),
      violations: await get('/__mock/violations'),
      events: events.text,
      'journal file': readFileSync(join(dir, 'calls.ndjson'), 'utf8'),
      'report output': out,
      'report --junit': readFileSync(join(dir, 'junit.xml'), 'utf8'),
      'report --json': readFileSync(join(dir, 'report.json'), 'utf8'),
    };
    for (const [where, text] of Object.entries(places)) {
      // The violation is there (so the check is not vacuous), and says where the JSON broke ...
      expect(text, where).toContain('malformed JSON');
      // ... but quotes none of the secret.
      for (const part of PARTS) expect(text.includes(part), `${where} shows ${part}`).toBe(false);
    }
    const calls = JSON.parse(places['calls']!) as Array<{ violations: Array<{ message: string }> }>;
    expect(calls[0]!.violations[0]!.message).toBe('malformed JSON: Unexpected token in JSON at position 29');
  });
});

describe('a value a violation quotes under a secret name', () => {
  test('is masked in the violation and wherever the answer repeats it (X-Mock-Violations, problem+json)', async () => {
    const file = join(dir, 'pins.yaml');
    writeFileSync(
      file,
      `openapi: 3.1.0
info: { title: pins, version: '1', x-api: pins }
servers: [{ url: /pins }]
paths:
  /check:
    get:
      operationId: checkPin
      parameters:
        - { name: pin, in: query, schema: { type: integer } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object } } } }
`,
    );
    const served = await servedMock([file]);
    const res = await request(served.listener).get('/pins/check?pin=77PINVALUE77').set('X-Mock-Session', 'pins');
    expect(res.text).toContain('77PINVALUE77'); // the client is told what it sent ...
    const calls = (await request(served.listener).get('/__mock/calls').set('X-Mock-Session', 'pins')).text;
    const har = (await request(served.listener).get('/__mock/calls.har').set('X-Mock-Session', 'pins')).text;
    // ... the journal shows none of it.
    for (const text of [calls, har]) {
      expect(text).toContain('/query/pin');
      expect(text).not.toContain('PINVALUE');
    }
    expect(JSON.parse(calls)[0].violations[0].message).toMatch(/^must be a decimal integer, got \*\*\*[a-z]{8}$/);
  });
});

describe('SecretMask.violations', () => {
  test('masks request data a message quotes, and a value quoted under a secret name whole', () => {
    const mask = new SecretMask();
    const list = [
      {
        side: 'request' as const,
        pointer: '/query/pin',
        rule: 'type',
        message: 'must be a decimal integer, got "12ab34"',
      },
      {
        side: 'request' as const,
        pointer: '/query/page',
        rule: 'type',
        message: 'must be a decimal integer, got "12ab34"',
      },
      {
        side: 'request' as const,
        pointer: '',
        rule: 'no-route',
        message: 'no documented operation at GET /v1/x;token=PATHSECRET',
      },
      { side: 'request' as const, pointer: '/body', rule: 'required', message: 'is required' },
    ];
    const [pin, page, route, same] = mask.violations(list);
    expect(pin!.message).toMatch(/^must be a decimal integer, got \*\*\*[a-z]{8}$/);
    expect(page).toBe(list[1]);
    expect(route!.message).toMatch(/^no documented operation at GET \/v1\/x;token=\*\*\*[a-z]{8}$/);
    expect(same).toBe(list[3]);
    expect(mask.violations([list[3]!])).toEqual([list[3]]);
  });
});
