/**
 * The refusal catalogue is the one place the mock's own answers are decided: every refusal a client can meet carries
 * its entry's type, status rule and X-Mock-Limit; no code outside the catalogue writes a limit name or a problem
 * title of its own; and the request path has one operation model (no test of which kind an operation is).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { REFUSALS, limitRefusal, renderRefusalsPage } from '../../src/http/refusals.js';
import { T0, testMock } from '../helpers/mock.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { fixedClock, type Store } from '../../src/state/store.js';
import { oasExample, servedMock } from '../helpers/served.js';

const root = join(import.meta.dirname, '..', '..');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
const src = sources(join(root, 'src')).map((file) => ({
  file: relative(root, file),
  text: readFileSync(file, 'utf8'),
}));

describe('the catalogue holds the line', () => {
  test('ids and types are unique, every type is the id under one stable base', () => {
    const all = Object.values(REFUSALS);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    for (const r of all) expect(r.type).toBe(`tag:contract-mock,2026:refusal/${r.id}`);
  });

  test('every state limit a store can report is an entry whose X-Mock-Limit is its rule', () => {
    for (const rule of ['max-records', 'max-state-bytes', 'max-store-bytes'])
      expect(limitRefusal(rule).limit).toBe(rule);
  });

  test('no source file outside the catalogue writes an X-Mock-Limit value or a problem title of its own', () => {
    const offenders = src
      .filter(({ file }) => file !== join('src', 'http', 'refusals.ts'))
      .flatMap(({ file, text }) => [
        ...[...text.matchAll(/['"][xX]-[mM]ock-[lL]imit['"]\s*[:,]\s*['"`][a-z]/g)].map(
          () => `${file}: X-Mock-Limit literal`,
        ),
        ...[...text.matchAll(/\b(?:writeProblem|problem)\(\s*res,\s*\d{3}\s*,/g)].map(
          () => `${file}: problem with its own status and title`,
        ),
      ]);
    expect(offenders).toEqual([]);
  });

  test('one operation model: nothing outside src/contract asks whether an operation is built in or served', () => {
    const asks = src
      .filter(({ file }) => !file.startsWith(join('src', 'contract')))
      .filter(({ text }) =>
        /\bop\.spec\b|\.spec[?!]?\.(?:rest|responses|success|security)|dialect\.served\b/.test(text),
      );
    expect(asks.map((s) => s.file)).toEqual([]);
  });

  test('the reference page lists every entry', () => {
    const page = renderRefusalsPage();
    for (const r of Object.values(REFUSALS)) expect(page).toContain(`| \`${r.id}\` | ${r.status} | ${r.title} |`);
  });
});

/** A store whose session table is full for session `b` (the memory store makes room instead; Redis can refuse). */
const refusing = (store: Store): Store =>
  new Proxy(store, {
    get: (target, key) => {
      if (key === 'open')
        return (id: string) => (id === 'b' ? { ok: false, reason: 'the session table is full' } : target.open(id));
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

describe('what a client meets', () => {
  test('off every API and on the admin API: problem+json with the entry type and status', async () => {
    const m = await testMock();
    const route = await request(m.listener).get('/nowhere');
    expect([route.status, route.type, route.body.type]).toEqual([
      404,
      'application/problem+json',
      REFUSALS.noRoute.type,
    ]);
    const admin = await request(m.listener).get('/__mock/nowhere');
    expect([admin.status, admin.body.type, admin.body.title]).toEqual([
      404,
      REFUSALS.adminRoute.type,
      REFUSALS.adminRoute.title,
    ]);
    const session = await request(m.listener).get('/__mock/calls').set('X-Mock-Session', 'has space');
    expect([session.status, session.body.type]).toEqual([400, REFUSALS.badSessionId.type]);
    const scenario = await request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Scenario', 'no-such');
    expect([scenario.status, scenario.body.type]).toEqual([400, REFUSALS.unknownScenario.type]);
  });

  test('a limit on an API with an envelope is its server-error envelope at HTTP 200; on a document without one, problem+json at the entry status', async () => {
    const builtin = await testMock({
      store: refusing(
        new MemoryStore({ clock: fixedClock(T0), seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }) }),
      ),
    });
    const full = await request(builtin.listener).get('/wx/push/queryPushProject').set('X-Mock-Session', 'b');
    expect([full.status, full.headers['x-mock-limit'], full.headers['retry-after'], full.body.success]).toEqual([
      200,
      'max-sessions',
      '60',
      false,
    ]);

    const served = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')], {
      store: refusing(
        new MemoryStore({ clock: fixedClock(T0), seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }) }),
      ),
    });
    const refused = await request(served.listener).get('/api/pets').set('X-Mock-Session', 'b');
    expect([
      refused.status,
      refused.type,
      refused.headers['x-mock-limit'],
      refused.body.type,
      refused.body.status,
    ]).toEqual([503, 'application/problem+json', 'max-sessions', REFUSALS.maxSessions.type, 503]);
  });
});
