/**
 * A new API is one spec file plus one folder, for verification too: a fifth, fake API whose module declares a
 * two-step flow as data only is run by the generic runner against a tiny node:http provider on 127.0.0.1; and
 * src/verify/ names none of the four built-in APIs (their flows live in src/apis/<api>/verify-flow.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { ApiModule } from '../../src/apis/api-module.js';
import { defineFlow } from '../../src/apis/verify-flow.js';
import { compileContract } from '../../src/contract/compile-contract.js';
import { loadServedSpec, packageRoot } from '../../src/contract/load-specs.js';
import { API_NAMES } from '../../src/contract/load-specs.js';
import { DEFAULT_CREDENTIALS, secretCredentials, verifyTarget } from '../../src/verify/verify-target.js';
import { listen } from '../helpers/listen.js';

/** The one spec file: notes, added with POST /notes (201) and read back with GET /notes/{id} (200, or 404). */
const SPEC = `openapi: 3.0.3
info: { title: Notes, version: '1', x-api: notes }
paths:
  /notes:
    post:
      operationId: addNote
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [text], properties: { text: { type: string } }, additionalProperties: false }
            example: { text: hello }
      responses:
        '201': { description: added, content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } } }
        '400': { description: bad request }
  /notes/{id}:
    get:
      operationId: getNote
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        '200': { description: the note, content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } } }
        '400': { description: bad request }
        '404': { description: no such note }
components:
  schemas:
    Note: { type: object, required: [id, text], properties: { id: { type: integer }, text: { type: string } } }
`;

/** The one folder: a module with no handlers, only its flow, written as data. */
const notes: ApiModule = {
  api: 'notes',
  handlers: {},
  collections: {},
  seed: () => ({}),
  verifyFlow: defineFlow<{ text: string; id: number }>({
    start: ({ run }) => ({ text: `note ${run}`, id: 0 }),
    steps: [
      {
        label: 'add a note',
        operationId: 'addNote',
        request: (v) => ({ body: { text: v.text } }),
        expect: '201',
        check: (a, v) => (a['text'] === v.text ? undefined : `text is ${String(a['text'])}, expected ${v.text}`),
        carry: (a) => ({ id: Number(a['id']) }),
      },
      {
        label: 'read it back',
        operationId: 'getNote',
        request: (v) => ({ path: { id: v.id } }),
        expect: '200',
        check: (a, v) =>
          a['text'] === v.text && a['id'] === v.id ? undefined : `note ${v.id} reads back as ${JSON.stringify(a)}`,
      },
    ],
  }),
};

/** A provider of notes; `drift` makes it read back another note's text. */
function notesProvider(drift = false): Server {
  const saved = new Map<number, string>();
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const answer = (status: number, value?: unknown): void => {
        res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' });
        res.end(value === undefined ? undefined : JSON.stringify(value));
      };
      const id = /^\/notes\/(\d+)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'POST' && req.url === '/notes') {
        const text = (JSON.parse(body || '{}') as { text?: unknown }).text;
        if (typeof text !== 'string') return answer(400);
        saved.set(saved.size + 17, text);
        return answer(201, { id: saved.size + 16, text });
      }
      if (req.method === 'GET' && id !== undefined) {
        const text = saved.get(Number(id));
        return text === undefined ? answer(404) : answer(200, { id: Number(id), text: drift ? 'someone else' : text });
      }
      answer(400);
    });
  });
}

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function verifyNotes(drift: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'cm-notes-'));
  writeFileSync(join(dir, 'notes.yaml'), SPEC);
  const contract = compileContract([await loadServedSpec(join(dir, 'notes.yaml'))]);
  const server = notesProvider(drift);
  servers.push(server);
  const totals = new Set<number>();
  const report = await verifyTarget(contract, {
    target: await listen(server),
    apis: ['notes'],
    modules: [notes],
    seed: 1,
    concurrency: 2,
    generated: 0,
    credentials: {},
    session: 'notes',
    timeoutMs: 5000,
    onProgress: (_done, total) => totals.add(total),
  });
  return { report, totals, flow: report.checks.filter((c) => c.kind === 'flow') };
}

describe('a fifth API whose verification flow is data only', () => {
  test('the generic runner sends its two steps in order, carrying the new id from the first answer into the second request', async () => {
    const { report, totals, flow } = await verifyNotes(false);
    expect(flow.map((c) => [c.name, c.operationId, c.ok, c.response?.status])).toEqual([
      ['notes flow: add a note', 'addNote', true, 201],
      ['notes flow: read it back', 'getNote', true, 200],
    ]);
    expect(flow[1]!.request.path).toBe('/notes/17');
    // The step count comes from the data: the progress total is every check, the two flow steps included.
    expect([...totals]).toEqual([report.summary.total]);
    expect(report.summary.byApi['notes']).toEqual({ total: report.checks.length, failed: report.summary.failed });
  });

  test("an answer that does not show what the step says fails that step, with the step's own sentence", async () => {
    const { flow } = await verifyNotes(true);
    expect(flow.map((c) => c.ok)).toEqual([true, false]);
    expect(flow[1]!.failures).toEqual([
      { side: 'response', pointer: '', rule: 'flow', message: 'note 17 reads back as {"id":17,"text":"someone else"}' },
    ]);
  });
});

describe('the credentials verify signs in with come from the flows', () => {
  test('defaults: what the mock seeds, in the order of the modules; the secret ones are the ones a report masks', () => {
    expect(DEFAULT_CREDENTIALS).toEqual({
      appid: 'demo-app',
      secret: 'demo-secret',
      wuhanToken: 'demo-token',
      orgId: 'demo-org',
    });
    expect(Object.keys(DEFAULT_CREDENTIALS)).toEqual(['appid', 'secret', 'wuhanToken', 'orgId']);
    expect(secretCredentials({ ...DEFAULT_CREDENTIALS, secret: 's3cret', wuhanToken: 'wt-1' })).toEqual([
      's3cret',
      'wt-1',
    ]);
    expect(secretCredentials(DEFAULT_CREDENTIALS, [notes])).toEqual([]);
  });
});

describe('src/verify/ knows no API by name', () => {
  test.each(readdirSync(join(packageRoot(), 'src', 'verify')).filter((f) => f.endsWith('.ts')))(
    '%s names none of the four APIs outside comments',
    (file) => {
      const code = readFileSync(join(packageRoot(), 'src', 'verify', file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(API_NAMES.filter((api) => code.includes(api))).toEqual([]);
    },
  );
});
