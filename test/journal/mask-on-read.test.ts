/**
 * The in-memory journal keeps a record as it came when it leaves the process only when read, and masks it
 * then (Journal.append): whatever reads it must see exactly what a journal that masked at once shows, with
 * each secret masked once, within the record budget, found by the path it shows.
 */
import { describe, expect, test } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import { SecretMask } from '../../src/journal/secret-mask.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { sampleRecord } from '../helpers/sample-record.js';

const SECRET = 'PLAINSECRETVALUE';

/** A record with a secret in each place one can be: path, query, headers, bodies, embedded text, a delivery URL. */
function secretRecord(id: string): CallRecord {
  return sampleRecord('s', {
    id,
    path: `/v1/channel/token;token=${SECRET}`,
    query: { access_token: SECRET, page: '1' },
    request: {
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: { client_secret: SECRET, note: `password=${SECRET}`, pwd: 1234 },
    },
    response: { status: 200, headers: {}, body: { data: { access_token: SECRET } }, code: '200' },
    deliveries: [
      { url: `http://user:${SECRET}@127.0.0.1:9/hook?token=${SECRET}`, at: 0, ok: false, durationMs: 0, pending: true },
    ],
  });
}

/** Two journals with one mask key: `lazy` has no file and no listener (kept as it came); `eager` has a listener (masked at once). */
function pair(options: Partial<ConstructorParameters<typeof Journal>[0]> = {}) {
  const mask = new SecretMask();
  const lazy = new Journal({ maxPerSession: 100, maxTotal: 100, mask, ...options });
  const eager = new Journal({ maxPerSession: 100, maxTotal: 100, mask, ...options });
  const heard: CallRecord[] = [];
  eager.subscribe((r) => heard.push(r));
  return { lazy, eager, heard, mask };
}

describe('a journal that masks when a record is read', () => {
  test('shows the same record as one that masked it when it was stored, with no secret in it', () => {
    const { lazy, eager, heard } = pair();
    const r = secretRecord('r1');
    lazy.append(structuredClone(r));
    eager.append(structuredClone(r));
    const [shown] = lazy.query('s');
    expect(shown).toEqual(eager.query('s')[0]);
    expect(shown).toEqual(heard[0]);
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    expect(JSON.stringify(shown)).not.toContain('1234');
    expect(shown!.request.headers['authorization']).toMatch(/^Bearer \*\*\*[a-z]{8}$/);
    expect(shown!.query['page']).toBe('1');
    expect(lazy.shown(r)).toEqual(shown);
  });

  test('deliveries that settle later: the record and its delivery URL are each masked once', () => {
    const { lazy, eager, mask } = pair();
    const outcome = {
      url: `http://user:${SECRET}@127.0.0.1:9/hook?token=${SECRET}`,
      at: 0,
      ok: true,
      status: 200,
      durationMs: 3,
    };
    const r = secretRecord('d1');
    for (const j of [lazy, eager]) {
      j.append(structuredClone(r));
      j.addDeliveries(structuredClone(r), [outcome]);
    }
    const [shown] = lazy.query('s');
    expect(shown).toEqual(eager.query('s')[0]);
    expect(shown!.deliveries).toEqual([mask.delivery(outcome)]);
    expect(JSON.stringify(shown)).not.toContain(SECRET);
  });

  test('a listener that subscribes later gets masked records; those stored before it are masked when read', () => {
    const j = new Journal({ maxPerSession: 100, maxTotal: 100 });
    j.append(secretRecord('before'));
    const heard: CallRecord[] = [];
    j.subscribe((r) => heard.push(r));
    j.append(secretRecord('after'));
    expect(heard.map((r) => r.id)).toEqual(['after']);
    expect(JSON.stringify(heard)).not.toContain(SECRET);
    expect(JSON.stringify(j.query('s'))).not.toContain(SECRET);
    expect(j.query('s').map((r) => r.id)).toEqual(['before', 'after']);
  });

  test('the path filter finds a record by the path it shows, not by its secret', () => {
    const { lazy, eager } = pair();
    const r = secretRecord('p1');
    lazy.append(structuredClone(r));
    eager.append(structuredClone(r));
    const shownPath = eager.query('s')[0]!.path;
    expect(shownPath).not.toContain(SECRET);
    expect(lazy.query('s', { path: shownPath }).map((r) => r.id)).toEqual(['p1']);
    expect(lazy.query('s', { path: `/v1/channel/token;token=${SECRET}` })).toEqual([]);
  });

  test('records of many short secrets stay within the record budget once masked', () => {
    const max = 4000;
    // The shapes whose masks grow the most: form pairs, URL credentials and numbers under a secret name.
    const shapes: Array<(n: number) => unknown> = [
      (n) => Array.from({ length: n }, () => 'pwd=1').join('&'),
      (n) => Array.from({ length: n }, () => 'a://x@').join(''),
      (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`pwd${i}`, 1])),
      (n) => Array.from({ length: n }, () => ({ pwd: 1 })),
    ];
    for (const shape of shapes) {
      // Every size up to the budget, so whichever records the journal keeps as they came are among them.
      for (let n = 1; ; n = Math.ceil(n * 1.1)) {
        const r = sampleRecord('s', { id: `big${n}`, request: { headers: {}, body: shape(n) } });
        if (JSON.stringify(r).length > max) break;
        const { lazy } = pair({ maxRecordBytes: max });
        lazy.append(r);
        const [shown] = lazy.query('s');
        expect(JSON.stringify(shown)).toContain('***');
        expect(Buffer.byteLength(JSON.stringify(shown))).toBeLessThanOrEqual(max);
      }
    }
  });
});
