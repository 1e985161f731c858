/** Journal: bounded per session and in total (a session's oldest first; past a total, the largest session's), evictions counted, NDJSON file keeps everything. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { sampleRecord } from '../helpers/sample-record.js';

const record = (session: string, over: Partial<CallRecord> = {}): CallRecord => sampleRecord(session, over);

describe('Journal', () => {
  test('per-session cap: the oldest of that session go first and are counted', () => {
    const j = new Journal({ maxPerSession: 3, maxTotal: 100 });
    for (let i = 0; i < 5; i++) j.append(record('a', { id: `a${i}` }));
    j.append(record('b', { id: 'b0' }));
    expect(j.query('a').map((c) => c.id)).toEqual(['a2', 'a3', 'a4']);
    expect(j.query('b').map((c) => c.id)).toEqual(['b0']);
    expect(j.stats()).toMatchObject({ records: 4, evicted: 2 });
  });

  test('total cap: the oldest across sessions go first', () => {
    const j = new Journal({ maxPerSession: 100, maxTotal: 4 });
    for (const id of ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']) j.append(record(id[0]!, { id }));
    expect(j.query('a').map((c) => c.id)).toEqual(['a1', 'a2']);
    expect(j.query('b').map((c) => c.id)).toEqual(['b1', 'b2']);
    expect(j.stats()).toMatchObject({ records: 4, evicted: 2 });
  });

  test('both caps together stay consistent over many appends', () => {
    const j = new Journal({ maxPerSession: 50, maxTotal: 120 });
    for (let i = 0; i < 5000; i++) j.append(record(`s${i % 7}`, { id: `x${i}` }));
    const total = [0, 1, 2, 3, 4, 5, 6].reduce((sum, s) => sum + j.query(`s${s}`).length, 0);
    expect(total).toBe(120);
    expect(j.stats()).toMatchObject({ records: 120, evicted: 5000 - 120 });
    expect(j.query(`s${4999 % 7}`).at(-1)!.id).toBe('x4999');
  });

  test('filters and limit; newest last', () => {
    const j = new Journal();
    j.append(record('s', { id: '1' }));
    j.append(
      record('s', {
        id: '2',
        operationId: 'getOrgInfo',
        api: 'wuhan-eduyun',
        method: 'GET',
        path: '/user/openapi/org/get-org-info',
      }),
    );
    j.append(record('s', { id: '3', violations: [{ side: 'request', pointer: '/body', message: 'x', rule: 'type' }] }));
    expect(j.query('s', { api: 'wuhan-eduyun' }).map((c) => c.id)).toEqual(['2']);
    expect(j.query('s', { method: 'post' }).map((c) => c.id)).toEqual(['1', '3']);
    expect(j.query('s', { limit: 2 }).map((c) => c.id)).toEqual(['2', '3']);
    expect(j.query('s', { violationsOnly: true }).map((c) => c.id)).toEqual(['3']);
  });

  test('since keeps the records at or after that time, in any time zone, and drops only the older ones', () => {
    const j = new Journal();
    const at = (second: number) => new Date(Date.UTC(2026, 10, 22, 6, 0, second)).toISOString();
    for (const [id, second] of [
      ['a', 1],
      ['b', 2],
      ['c', 2],
      ['d', 3],
    ] as const)
      j.append(record('s', { id, time: at(second) }));
    const ids = (since: string) => j.query('s', { since }).map((c) => c.id);
    expect(ids('2026-11-22T06:00:00Z')).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(at(2))).toEqual(['b', 'c', 'd']);
    expect(ids('2026-11-22T06:00:02.001Z')).toEqual(['d']);
    // The same instant written in China time.
    expect(ids('2026-11-22T14:00:03+08:00')).toEqual(['d']);
    expect(ids('2026-11-22T06:00:04Z')).toEqual([]);
    expect(
      j.query('s', { since: at(2), limit: 1, operationId: 'channelToken', path: '/v1/channel/token' }).map((c) => c.id),
    ).toEqual(['d']);
    expect(j.query('s', { operationId: 'getOrgInfo' })).toEqual([]);
    expect(j.query('s', { path: '/v1/other' })).toEqual([]);
  });

  test('records are immutable: changing a returned record changes nothing stored', () => {
    const j = new Journal();
    j.append(record('s', { id: 'r' }));
    (j.query('s')[0]!.request.body as { n: number }).n = -1;
    expect((j.query('s')[0]!.request.body as { n: number }).n).not.toBe(-1);
  });

  test('--journal FILE appends every record as NDJSON, evicted ones included', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cm-journal-')), 'calls.ndjson');
    const j = new Journal({ maxPerSession: 2, maxTotal: 2, file });
    for (let i = 0; i < 5; i++) j.append(record('s', { id: `f${i}` }));
    await j.close();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id);
    expect(lines).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(j.query('s')).toHaveLength(2);
  });
});

describe('Journal memory', () => {
  test('evicted records are released: what is held stays proportional to the caps, however many calls', () => {
    const j = new Journal({ maxPerSession: 100, maxTotal: 1000 });
    j.append(record('quiet', { id: 'old' })); // a session that never evicts keeps the oldest entry at the head
    for (let i = 0; i < 100_000; i++) j.append(record('busy'));
    const s = j.stats();
    expect(s.records).toBe(101);
    expect(s.queued).toBeLessThanOrEqual(2 * s.records + 1024);
    expect(j.query('quiet').map((c) => c.id)).toEqual(['old']);
  });
});

describe('Journal fairness (issue 25)', () => {
  test('past the byte total the session holding the most bytes loses first, not the oldest record', () => {
    const j = new Journal({ maxPerSession: 1000, maxTotal: 1000, maxBytes: 30_000 });
    j.append(record('small', { id: 'first' }));
    for (let i = 0; i < 10; i++)
      j.append(record('heavy', { id: `h${i}`, request: { headers: {}, body: 'x'.repeat(5000) } }));
    expect(j.query('small').map((c) => c.id)).toEqual(['first']);
    expect(j.lost('heavy')).toBeGreaterThan(0);
    expect(j.stats().bytes).toBeLessThanOrEqual(30_000);
  });

  test('a session that lost every record still says what it lost; clear forgets it', () => {
    const j = new Journal({ maxPerSession: 100, maxTotal: 1 });
    j.append(record('gone'));
    j.append(record('other'));
    expect(j.query('gone')).toEqual([]);
    expect(j.lost('gone')).toBe(1);
    expect(j.stats()).toMatchObject({ records: 1, sessions: 1, sessionsWithLoss: 1 });
    j.append(record('gone'));
    expect(j.lost('gone')).toBe(1);
    j.clear('gone');
    expect(j.lost('gone')).toBe(0);
  });

  test('a reset per 1,000 calls frees what it cleared: queued follows records (finding 6)', () => {
    const j = new Journal({ maxPerSession: 10_000, maxTotal: 100_000 });
    for (let i = 0; i < 20_000; i++) {
      j.append(record(`s${i % 4}`));
      if (i % 1000 === 999) for (let s = 0; s < 4; s++) j.clear(`s${s}`);
    }
    j.append(record('s0'));
    expect(j.stats()).toMatchObject({ records: 1, queued: 1 });
  });
});

describe('Journal bytes', () => {
  test('a byte budget evicts the oldest records too, so a few huge calls cannot fill memory', () => {
    const j = new Journal({ maxPerSession: 1000, maxTotal: 1000, maxBytes: 20_000 });
    for (let i = 0; i < 10; i++)
      j.append(record('s', { id: `big${i}`, request: { headers: {}, body: 'x'.repeat(5000) } }));
    const s = j.stats();
    expect(s.bytes).toBeLessThanOrEqual(20_000);
    expect(s.records).toBe(3);
    expect(j.query('s').map((c) => c.id)).toEqual(['big7', 'big8', 'big9']);
  });
});
