/**
 * A write to state.log that does not land whole (finding 7 of issue 25: a full disk): cut back to the last
 * complete line, the change refused and not applied in memory, health told; the next write and the next start
 * carry on from the last acknowledged change. The failure is injected here; test/reliability/full-disk.test.ts
 * fills a real tmpfs.
 */
import { mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CallRecord } from '../../src/journal/call-record.js';
import { Journal } from '../../src/journal/journal.js';
import { LineAppender, type WriteLine } from '../../src/state/append-line.js';
import { FileStore } from '../../src/state/file-store.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { fixedClock, StoreUnavailableError, type SessionDump } from '../../src/state/store.js';

const seed = (): SessionDump => ({ collections: {}, counters: {}, clockOffsetMs: 0 });

/** A write that fails while `failing.mode` says so: writing only the first 7 bytes, or throwing ENOSPC. */
function flakyWrite(): { write: WriteLine; failing: { mode: 'no' | 'partial' | 'enospc' } } {
  const failing = { mode: 'no' as 'no' | 'partial' | 'enospc' };
  const write: WriteLine = (fd, text) => {
    if (failing.mode === 'enospc')
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return writeSync(fd, failing.mode === 'partial' ? text.slice(0, 7) : text);
  };
  return { write, failing };
}

describe('LineAppender', () => {
  test.each(['partial', 'enospc'] as const)(
    'a %s write is cut back to the last complete line, and the next write lands after it',
    (mode) => {
      const file = join(mkdtempSync(join(tmpdir(), 'cm-append-')), 'log');
      const { write, failing } = flakyWrite();
      const logged: string[] = [];
      const appender = new LineAppender(file, openSync(file, 'a'), { write, log: (m) => logged.push(m) });
      expect(appender.append('{"n":1}\n')).toEqual({ ok: true });
      failing.mode = mode;
      const refused = appender.append('{"n":2,"long":"enough to be cut"}\n');
      expect(refused.ok).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n');
      expect(appender.failure).toMatchObject({
        file,
        error: expect.stringContaining(mode === 'partial' ? 'only 7 of' : 'ENOSPC'),
      });
      // A second failure in a row: still one log line.
      expect(appender.append('{"n":3}\n').ok).toBe(false);
      expect(logged).toHaveLength(1);
      failing.mode = 'no';
      expect(appender.append('{"n":4}\n')).toEqual({ ok: true });
      expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":4}\n');
      expect(appender.failure).toBeUndefined();
      expect(logged).toHaveLength(2);
      expect(logged[1]).toContain('written again');
    },
  );
});

describe('MemoryStore', () => {
  test('a change its backend refuses to log is not applied', async () => {
    let refuse = false;
    const store = new MemoryStore({
      clock: fixedClock(0),
      seed,
      onMutation: () => {
        if (refuse) throw new StoreUnavailableError('refused');
      },
    });
    const s = store.session('s');
    await s.put('x:n', 'a', 1);
    refuse = true;
    await expect(s.put('x:n', 'b', 2)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.delete('x:n', 'a')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(() => s.nextSeq('id')).toThrow(StoreUnavailableError);
    await expect(s.advanceClock(60)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.reset()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.clear()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.session('s').dump()).toEqual({
      collections: { 'x:n': { a: 1 } },
      counters: {},
      clockOffsetMs: 0,
    });
  });
});

describe('FileStore on a failing disk', () => {
  test.each(['partial', 'enospc'] as const)(
    'a %s write: store-unavailable, nothing applied, no torn line; the next write and the next start carry on',
    async (mode) => {
      const dir = mkdtempSync(join(tmpdir(), 'cm-state-full-'));
      const { write, failing } = flakyWrite();
      const store = new FileStore({ dir, clock: fixedClock(0), seed, write, compactEvery: 1_000_000 });
      const s = store.session('s');
      await s.put('x:n', 'a', 1);
      expect(s.nextSeq('id')).toBe(1);
      const before = readFileSync(store.logFile, 'utf8');

      failing.mode = mode;
      await expect(s.put('x:n', 'b', 2)).rejects.toThrow(StoreUnavailableError);
      expect(() => s.nextSeq('id')).toThrow(StoreUnavailableError);
      expect(readFileSync(store.logFile, 'utf8')).toBe(before);
      expect(await s.dump()).toEqual({ collections: { 'x:n': { a: 1 } }, counters: { id: 1 }, clockOffsetMs: 0 });
      expect(store.persistence()).toMatchObject({ file: store.logFile });

      failing.mode = 'no';
      await s.put('x:n', 'c', 3);
      expect(s.nextSeq('id')).toBe(2);
      expect(store.persistence()).toBeUndefined();
      const text = readFileSync(store.logFile, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

      // No close(): as if killed. Every acknowledged change is there, the refused one is not.
      const again = new FileStore({ dir, clock: fixedClock(0), seed });
      expect(again.recovered.tornLine).toBe(false);
      expect(await again.session('s').dump()).toEqual({
        collections: { 'x:n': { a: 1, c: 3 } },
        counters: { id: 2 },
        clockOffsetMs: 0,
      });
    },
  );

  test('an empty line in the log is no torn line: nothing after it is cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-state-empty-'));
    const a = new FileStore({ dir, clock: fixedClock(0), seed, compactEvery: 1_000_000 });
    await a.session('s').put('x:n', 'a', 1);
    writeSync(openSync(a.logFile, 'a'), '\n{"s":"s","m":{"op":"put","c":"x:n","k":"b","v":2}}\n');
    const b = new FileStore({ dir, clock: fixedClock(0), seed });
    expect(b.recovered).toMatchObject({ tornLine: false, replayed: 2 });
    expect((await b.session('s').dump()).collections).toEqual({ 'x:n': { a: 1, b: 2 } });
  });

  test('a torn last line is cut at start with one log line, everything before it loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-state-torn-'));
    const a = new FileStore({ dir, clock: fixedClock(0), seed, compactEvery: 1_000_000 });
    await a.session('s').put('x:n', 'a', 1);
    // A whole line without its newline was never acknowledged (the newline goes out in the same write).
    writeSync(openSync(a.logFile, 'a'), '{"s":"s","m":{"op":"put","c":"x:n","k":"b","v":2}}');
    const logged: string[] = [];
    const b = new FileStore({ dir, clock: fixedClock(0), seed, compactEvery: 1_000_000, log: (m) => logged.push(m) });
    expect(b.recovered).toMatchObject({ tornLine: true, replayed: 1 });
    expect(logged).toEqual([expect.stringContaining('ended with a torn line')]);
    expect((await b.session('s').dump()).collections).toEqual({ 'x:n': { a: 1 } });
    expect(readFileSync(b.logFile, 'utf8')).toBe('');
  });
});

describe('Journal on a failing disk', () => {
  let n = 0;
  const rec = (id: string): CallRecord => ({
    id,
    time: '2026-11-22T06:00:00.000Z',
    mockTime: 0,
    session: 's',
    api: 'platform-sync',
    operationId: 'channelToken',
    method: 'POST',
    path: '/v1/channel/token',
    query: {},
    request: { headers: {}, body: { n: ++n } },
    response: { status: 200, headers: {}, body: {}, code: '200' },
    durationMs: 1,
    violations: [],
    scenarios: [],
    deliveries: [],
  });

  test.each(['partial', 'enospc'] as const)(
    'a %s write: the record is refused (store-unavailable, changes kept), not stored, and cut off the file',
    async (mode) => {
      const file = join(mkdtempSync(join(tmpdir(), 'cm-journal-full-')), 'journal.ndjson');
      const { write, failing } = flakyWrite();
      const j = await Journal.open({ maxPerSession: 100, maxTotal: 100, file, restore: true, write });
      j.append(rec('before'));
      const before = readFileSync(file, 'utf8');
      failing.mode = mode;
      let refused: unknown;
      try {
        j.append(rec('refused'));
      } catch (e) {
        refused = e;
      }
      expect(refused).toBeInstanceOf(StoreUnavailableError);
      expect((refused as StoreUnavailableError).message).toContain("the call's record was not journaled");
      expect(j.query('s').map((c) => c.id)).toEqual(['before']);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(j.persistence()).toMatchObject({ file });
      expect(j.stats().fileError).toContain(file);

      failing.mode = 'no';
      j.append(rec('after'));
      expect(j.persistence()).toBeUndefined();
      expect(j.stats().fileError).toBeUndefined();
      await j.close();
      const again = await Journal.open({ maxPerSession: 100, maxTotal: 100, file, restore: true });
      expect(again.query('s').map((c) => c.id)).toEqual(['before', 'after']);
      expect(again.stats().unreadableLines).toBeUndefined();
      await again.close();
    },
  );
});
