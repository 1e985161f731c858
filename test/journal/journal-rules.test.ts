/**
 * The journal's rules (journal-rules.ts): what a record keeps within the per-record budget, how previews read, how
 * settled deliveries merge, which records a filter picks. Then the same rule cases over every store (memory, memory
 * with its file, Redis): each shows a record exactly as the rules left it, so no backend has rules of its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DeliveryOutcome } from '../../src/apis/api-module.js';
import { Journal, type CallJournal } from '../../src/journal/journal.js';
import {
  JournalRules,
  boundRecord,
  lastOf,
  matcher,
  mergeDeliveries,
  preview,
  indexOf,
} from '../../src/journal/journal-rules.js';
import { RedisJournal } from '../../src/journal/redis-journal.js';
import { SecretMask } from '../../src/journal/secret-mask.js';
import { RedisConnection } from '../../src/state/redis-connection.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { sampleRecord } from '../helpers/sample-record.js';

const SECRET = 'PLAINSECRETVALUE';
const outcome = (i: number): DeliveryOutcome => ({
  url: `http://user:${SECRET}@127.0.0.1:9/hook/${i}`,
  at: i,
  ok: true,
  status: 200,
  durationMs: 1,
});

describe('journal rules', () => {
  test.each([
    ['a record within the budget is kept whole', 4096, 'x'.repeat(10), { trimmed: false, body: 'x'.repeat(10) }],
    [
      'a body over the budget becomes a preview saying what it weighed',
      4096,
      'y'.repeat(5000),
      { trimmed: true, body: `(5000 bytes, not kept whole: the record was over 4096 bytes) ${'y'.repeat(1024)}` },
    ],
  ] as const)('%s', (_, max, body, expected) => {
    const { kept, text, trimmed } = boundRecord(sampleRecord('s', { request: { headers: {}, body } }), max);
    expect({ trimmed, body: kept.request.body }).toEqual(expected);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
    expect(JSON.parse(text)).toEqual(kept);
  });

  test('a record that does not fit even with previews keeps its identity, status and first violations (a bare record)', () => {
    const r = sampleRecord('s', {
      query: { q: 'z'.repeat(8000) },
      violations: Array.from({ length: 30 }, (_, i) => ({
        side: 'request' as const,
        pointer: `/${i}`,
        message: 'm',
        rule: 'r',
      })),
    });
    const { kept, text, trimmed } = boundRecord(r, 4096);
    expect(trimmed).toBe(true);
    expect(kept).toMatchObject({
      id: r.id,
      session: 's',
      query: {},
      response: { status: 200, body: '(not kept: the record was over 4096 bytes)' },
    });
    expect(kept.violations).toHaveLength(20);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
  });

  test('previews: a short string as it is; a value as its JSON; one that cannot be written says why', () => {
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 20_000; i++) at.push((at = []));
    expect(preview('short', 'why')).toBe('short');
    expect(preview({ a: 1 }, 'why')).toBe('(7 bytes, why) {"a":1}');
    expect(preview(deep, 'why')).toMatch(/^\(not kept: /);
  });

  test('settled deliveries: masked, the first 100 listed and the rest counted; merged in place of the pending ones', () => {
    const rules = new JournalRules(new SecretMask(Buffer.alloc(32, 7)), 1 << 20);
    const r = sampleRecord('s', { deliveries: [{ ...outcome(0), ok: false, pending: true }] });
    const line = rules.deliveriesLine(
      r,
      Array.from({ length: 150 }, (_, i) => outcome(i)),
    );
    expect([line.deliveries.length, line.deliveriesNotListed, JSON.stringify(line).includes(SECRET)]).toEqual([
      100,
      50,
      false,
    ]);
    const merged = mergeDeliveries(structuredClone(r), line);
    expect([merged.deliveries, merged.deliveriesNotListed]).toEqual([line.deliveries, 50]);
    expect(mergeDeliveries(merged, { ...line, deliveriesNotListed: undefined }).deliveriesNotListed).toBeUndefined();
    // The record as it stands when the store's copy is gone: the outcomes as the line holds them, not masked twice.
    expect(rules.settled(r, line).kept).toMatchObject({
      id: r.id,
      deliveries: line.deliveries,
      deliveriesNotListed: 50,
    });
  });

  test('a record is kept as it came only when it fits a quarter of the budget (masking may triple a value)', () => {
    const rules = new JournalRules(new SecretMask(), 4096);
    expect(rules.raw(sampleRecord('s', { request: { headers: {}, body: 'a'.repeat(100) } }))).toBeTypeOf('string');
    expect(rules.raw(sampleRecord('s', { request: { headers: {}, body: 'a'.repeat(1100) } }))).toBeUndefined();
  });

  test('the filter: each field narrows, since is inclusive, limit keeps the newest', () => {
    const at = (s: number) => `2026-11-22T06:00:0${s}.000Z`;
    const records = [
      sampleRecord('s', { id: 'a', time: at(1) }),
      sampleRecord('s', { id: 'b', time: at(2), method: 'GET', api: 'wuhan-eduyun' }),
      sampleRecord('s', {
        id: 'c',
        time: at(3),
        violations: [{ side: 'response', pointer: '', message: 'm', rule: 'r' }],
      }),
    ];
    const pick = (filter: Parameters<typeof matcher>[0]) =>
      lastOf(
        records.filter((r) => matcher(filter)(indexOf(r))),
        filter.limit,
      ).map((r) => r.id);
    expect(pick({})).toEqual(['a', 'b', 'c']);
    expect(pick({ method: 'get' })).toEqual(['b']);
    expect(pick({ api: 'wuhan-eduyun' })).toEqual(['b']);
    expect(pick({ since: at(2) })).toEqual(['b', 'c']);
    expect(pick({ violationsOnly: true })).toEqual(['c']);
    expect(pick({ limit: 2 })).toEqual(['b', 'c']);
  });
});

let redis: TestRedis | undefined;
const connections: RedisConnection[] = [];
let prefixes = 0;
beforeAll(async () => {
  if (!SKIP_WITHOUT_REDIS) redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

/** One mask key and a 4 KiB record budget on every backend, so their records can be compared byte for byte. */
const KEY = Buffer.alloc(32, 3);
const options = (maxRecordBytes: number) => ({
  maxPerSession: 100,
  maxTotal: 1000,
  maxRecordBytes,
  mask: new SecretMask(KEY),
});
const stores: Array<[string, (maxRecordBytes?: number) => CallJournal]> = [
  ['memory', (max = 4096) => new Journal(options(max))],
  [
    'memory + file',
    (max = 4096) =>
      new Journal({ ...options(max), file: join(mkdtempSync(join(tmpdir(), 'cm-jr-')), 'journal.ndjson') }),
  ],
  [
    'redis',
    (max = 4096) => {
      const connection = new RedisConnection({ url: redis!.url, prefix: `jr-${++prefixes}`, timeoutMs: 2000 });
      connections.push(connection);
      return new RedisJournal(connection, { ...options(max), ttlMs: 60_000 });
    },
  ],
];

describe.each(stores)('journal rules over the %s store', (name, make) => {
  const skip = name === 'redis' && SKIP_WITHOUT_REDIS;
  const rules = new JournalRules(new SecretMask(KEY), 4096);

  test.skipIf(skip)('a secret is masked, and a record over the budget is read back as the rules keep it', async () => {
    const j = make();
    const secret = sampleRecord('r', {
      id: 'secret',
      query: { access_token: SECRET },
      request: { headers: { authorization: `Bearer ${SECRET}` }, body: { client_secret: SECRET } },
    });
    const big = sampleRecord('r', {
      id: 'big',
      response: { status: 200, headers: {}, body: { data: 'é'.repeat(3000) }, code: '200' },
    });
    await j.append(structuredClone(secret));
    await j.append(structuredClone(big));
    const [s, b] = await j.query('r');
    expect(JSON.stringify(s)).not.toContain(SECRET);
    expect(s).toEqual(rules.prepare(secret).kept);
    expect(b).toEqual(rules.prepare(big).kept);
    expect(String(b!.response.body)).toMatch(/^\(\d+ bytes, not kept whole: the record was over 4096 bytes\) /);
    expect(j.shown(big)).toEqual(b);
  });

  test.skipIf(skip)('settled deliveries merge into their record: masked, 100 listed, the rest counted', async () => {
    const j = make(64 * 1024);
    const r = sampleRecord('d', { deliveries: [{ ...outcome(0), ok: false, pending: true }] });
    await j.append(structuredClone(r));
    const updated = await j.addDeliveries(
      r,
      Array.from({ length: 150 }, (_, i) => outcome(i)),
    );
    const [stored] = await j.query('d');
    expect(stored).toEqual(updated);
    expect([stored!.deliveries.length, stored!.deliveriesNotListed, JSON.stringify(stored).includes(SECRET)]).toEqual([
      100,
      50,
      false,
    ]);
  });
});
