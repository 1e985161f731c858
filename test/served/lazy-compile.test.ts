/**
 * Giant documents start in seconds (issue 28): a served operation's validators, response checkers and example checks
 * are compiled on its first call, once, and that first call is validated like any other; serve's after-listen check
 * reports every fault without keeping what it compiled.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { checkServedDocuments } from '../../src/server/document-check.js';
import { servedMock } from '../helpers/served.js';

const LAZY = join(mkdtempSync(join(tmpdir(), 'cm-lazy-')), 'lazy.openapi.yaml');
writeFileSync(
  LAZY,
  `openapi: 3.1.0
info: { title: Lazy, version: "1" }
servers: [{ url: https://lazy.example.invalid/l }]
paths:
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [text], properties: { text: { type: string, maxLength: 10 } } }
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: { type: object, required: [id, text], properties: { id: { type: integer }, text: { type: string } } }
              examples:
                noId: { value: { text: hi } }
                ok: { value: { id: 1, text: hi } }
  /search:
    get:
      operationId: search
      parameters: [{ name: limit, in: query, required: true, schema: { type: integer, maximum: 5 } }]
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: array, items: { type: string } }, example: [a] } } }
  /broken:
    get:
      operationId: getBroken
      responses:
        "200":
          description: a schema that cannot be compiled
          content: { application/json: { schema: { $ref: "#/components/schemas/Missing" }, example: { x: 1 } } }
`,
);
const SERVED = ['createNote', 'search', 'getBroken'];

describe('a served operation compiled on first use', () => {
  test('nothing of the document is compiled before its first call, and a call compiles its own operation only', async () => {
    const m = await servedMock([LAZY]);
    expect(m.contract.lazy.pending()).toEqual(expect.arrayContaining(SERVED));
    expect(m.contract.lazy.problems).toEqual([]);
    await request(m.listener).get('/l/search?limit=2');
    expect(m.contract.lazy.pending()).toEqual(expect.arrayContaining(['createNote', 'getBroken']));
    expect(m.contract.lazy.pending()).not.toContain('search');
    // The operation whose schema cannot be compiled is not compiled until called: its fault is not known before.
    expect(m.contract.lazy.problems).toEqual([]);
    const broken = await request(m.listener).get('/l/broken');
    expect([broken.status, broken.body]).toEqual([200, { x: 1 }]);
    expect(m.contract.lazy.problems.map((p) => [p.kind, p.operationId])).toEqual([['schema', 'getBroken']]);
    m.close();
  });

  test('its first call validates the request: a bad one gets the refusal, a good one the answer', async () => {
    const m = await servedMock([LAZY]);
    const tooMany = await request(m.listener).get('/l/search?limit=9');
    expect([tooMany.status, tooMany.body.status]).toEqual([422, 422]);
    expect(tooMany.text).toContain('limit');
    const tooLong = await request(m.listener).post('/l/notes').send({ text: 'far too long for it' });
    expect([tooLong.status, tooLong.body.status]).toEqual([422, 422]);
    expect(m.calls.map((c) => c.violations.map((v) => v.side))).toEqual([['request'], ['request']]);
    m.close();
  });

  test('its first call checks the response: a broken example is skipped unless named, and named it is journaled', async () => {
    const m = await servedMock([LAZY]);
    const first = await request(m.listener).post('/l/notes').send({ text: 'hi' });
    expect([first.status, first.body]).toEqual([201, { id: 1, text: 'hi' }]);
    const named = await request(m.listener).post('/l/notes').set('Prefer', 'example=noId').send({ text: 'hi' });
    expect([named.status, named.body]).toEqual([201, { text: 'hi' }]);
    expect(m.calls[1]!.violations).toEqual([expect.objectContaining({ side: 'document', rule: 'required' })]);
    m.close();
  });

  test('is compiled once: its first call puts the compiled validators in place, the next calls use them as they are', async () => {
    const m = await servedMock([LAZY]);
    const op = m.contract.operations.find((o) => o.operationId === 'search')!;
    const standIns = [op.validateQuery, op.success.validate];
    await request(m.listener).get('/l/search?limit=1');
    const compiled = [op.validateQuery, op.success.validate];
    expect(compiled.map((v, i) => v !== standIns[i])).toEqual([true, true]);
    await request(m.listener).get('/l/search?limit=9');
    expect([op.validateQuery, op.success.validate]).toEqual(compiled);
    expect(compiled.every((v, i) => v === [op.validateQuery, op.success.validate][i])).toBe(true);
    await request(m.listener).get('/l/broken');
    await request(m.listener).get('/l/broken');
    expect(m.contract.lazy.problems).toHaveLength(1);
    m.close();
  });
});

describe("serve's after-listen check of the served documents", () => {
  test('reports every fault once, keeps none of what it compiled, and leaves calls their own compile', async () => {
    const m = await servedMock([LAZY]);
    await request(m.listener).get('/l/broken');
    const lines: string[] = [];
    const check = checkServedDocuments(m.contract, (line) => lines.push(line));
    await check.done;
    expect(lines).toEqual([
      expect.stringMatching(/warning: .*GET \/broken \(getBroken\): the response 200 schema cannot be compiled/),
      expect.stringMatching(/warning: .*POST \/notes \(createNote\) response 201 example "noId" breaks its own schema/),
    ]);
    expect(m.contract.lazy.pending()).toEqual(expect.arrayContaining(['createNote', 'search']));
    const named = await request(m.listener).post('/l/notes').set('Prefer', 'example=noId').send({ text: 'hi' });
    expect(named.status).toBe(201);
    expect(m.calls.at(-1)!.violations).toEqual([expect.objectContaining({ side: 'document' })]);
    expect(m.contract.documentProblems.map((p) => p.operationId)).toEqual(['getBroken', 'createNote']);
    m.close();
  });
});
