/** The Store contract, as the in-memory default meets it (a durable backend must pass the same table). */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MemoryStore } from '../../src/state/memory-store.js';
import { StateLimitError, fixedClock, type Mutation, type SessionDump } from '../../src/state/store.js';

const seed = (): SessionDump => ({ collections: { 'x:apps': { a: { appid: 'a' } } }, counters: {}, clockOffsetMs: 0 });
const make = (maxSessions?: number, sessionIdleMs = 0) =>
  new MemoryStore({ clock: fixedClock(1000), seed, maxSessions, sessionIdleMs });

describe('MemoryStore', () => {
  test('a new session starts from the seed; writes stay in that session', async () => {
    const store = make();
    const a = store.session('a');
    await a.put('x:apps', 'b', { appid: 'b' });
    expect((await a.list('x:apps')).length).toBe(2);
    expect((await store.session('other').list('x:apps')).length).toBe(1);
  });

  test('get, put, delete, list and counters', async () => {
    const s = make().session('s');
    expect(await s.get('x:apps', 'missing')).toBeUndefined();
    expect(await s.delete('x:apps', 'a')).toBe(true);
    expect(await s.delete('x:apps', 'a')).toBe(false);
    expect([await s.nextSeq('id'), await s.nextSeq('id'), await s.nextSeq('other', 100)]).toEqual([1, 2, 100]);
  });

  test('session.sync reads and writes the same records at once, with the same limits and mutations', async () => {
    const mutations: Mutation[] = [];
    const store = new MemoryStore({
      clock: fixedClock(1000),
      seed,
      maxRecordsPerSession: 2,
      onMutation: (_session, m) => mutations.push(m),
    });
    const s = store.session('s');
    const sync = s.sync!;
    expect(sync.get('x:apps', 'a')).toEqual({ appid: 'a' });
    expect(sync.put('x:apps', 'b', { appid: 'b' })).toBeUndefined();
    expect(await s.get('x:apps', 'b')).toEqual({ appid: 'b' });
    // A third record is past maxRecordsPerSession: thrown at once, nothing applied or logged.
    expect(() => sync.put('x:apps', 'c', { appid: 'c' })).toThrow(StateLimitError);
    expect(await s.get('x:apps', 'c')).toBeUndefined();
    await s.put('x:apps', 'a', { appid: 'a', renamed: true });
    expect(sync.get('x:apps', 'a')).toEqual({ appid: 'a', renamed: true });
    expect([sync.delete('x:apps', 'b'), sync.delete('x:apps', 'b')]).toEqual([true, false]);
    expect(mutations).toEqual([
      { op: 'put', c: 'x:apps', k: 'b', v: { appid: 'b' } },
      { op: 'put', c: 'x:apps', k: 'a', v: { appid: 'a', renamed: true } },
      { op: 'del', c: 'x:apps', k: 'b' },
    ]);
    // After a reset the view reads the seed again.
    await s.reset();
    expect(sync.get('x:apps', 'a')).toEqual({ appid: 'a' });
  });

  test('the clock is the base clock plus the session offset', async () => {
    const store = make();
    expect(await store.session('s').advanceClock(5)).toBe(6000);
    expect(await store.session('s').now()).toBe(6000);
    expect(await store.session('t').now()).toBe(1000);
  });

  test('dump is a copy, and reset restores the seed', async () => {
    const s = make().session('s');
    const dump = await s.dump();
    (dump.collections['x:apps']!['a'] as { appid: string }).appid = 'changed';
    expect(await s.get('x:apps', 'a')).toEqual({ appid: 'a' });
    await s.put('x:apps', 'z', {});
    await s.advanceClock(10);
    await s.reset();
    expect(await s.dump()).toEqual(seed());
  });

  test('at maxSessions the least recently used session is dropped once it has been idle long enough', async () => {
    const store = make(2);
    store.open('a');
    store.open('b');
    store.open('a');
    store.open('c');
    expect((await store.sessionIds()).sort()).toEqual(['a', 'c']);
  });

  test('reopening the session used last keeps the order of use; a dropped session is not handed out again', async () => {
    const store = make(2);
    store.open('a');
    store.open('b');
    store.open('b');
    store.open('a');
    store.open('a');
    store.open('c');
    // b was used least recently, though it was once the newest twice over.
    expect((await store.sessionIds()).sort()).toEqual(['a', 'c']);
    await store.session('c').put('x:apps', 'z', { appid: 'z' });
    store.drop('c');
    expect(await store.session('c').get('x:apps', 'z')).toBeUndefined();
  });

  test('at maxSessions with every session recently used, a new session is still admitted: a one-call session makes room, never one in use', () => {
    const store = make(3, 3_600_000);
    store.open('in-use');
    store.open('in-use');
    store.open('flood-1');
    store.open('flood-2');
    // A flood of one-call ids: each new one is admitted and evicts the oldest one-call session.
    for (let i = 3; i < 100; i++) expect(store.open(`flood-${i}`).ok).toBe(true);
    expect(store.stats()).toMatchObject({ held: 3, max: 3, evicted: 97 });
    expect(store.open('in-use').ok).toBe(true);
    return store.sessionIds().then((ids) => expect(ids).toContain('in-use'));
  });

  test('every change is reported as a mutation that, replayed, rebuilds the same state', async () => {
    const log: Array<[string, unknown]> = [];
    const a = new MemoryStore({ clock: fixedClock(1000), seed, onMutation: (s, m) => log.push([s, m]) });
    const s = a.session('s');
    await s.put('x:apps', 'b', { appid: 'b' });
    await s.delete('x:apps', 'a');
    await s.nextSeq('n');
    await s.advanceClock(7);
    const b = new MemoryStore({ clock: fixedClock(1000), seed });
    for (const [id, m] of log) b.replay(id, m as never);
    expect(await b.session('s').dump()).toEqual(await s.dump());
  });
});

describe('MemoryStore eviction (found by mutation testing: which session goes, what is logged and persisted)', () => {
  // Idleness is judged on the wall clock (a session's own clock is the mock's): faked here, never slept on.
  afterEach(() => void vi.useRealTimers());
  const at = (ms: number): void => void vi.setSystemTime(ms);

  test('past the idle time the least recently used session goes first, even one used twice; within it, the oldest one-call session', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new MemoryStore({ clock: fixedClock(0), seed, maxSessions: 2, sessionIdleMs: 60_000 });
    at(0);
    store.open('old');
    store.open('old');
    at(1_000);
    store.open('once');
    at(70_000);
    // `old` has been idle 70 s (past 60 s) and is the least recently used: it goes, though it was used twice.
    store.open('new');
    expect((await store.sessionIds()).sort()).toEqual(['new', 'once']);
    at(70_500);
    store.open('new');
    // Nobody idle past 60 s now: the oldest one-call session goes, never the one in use.
    store.open('later');
    expect((await store.sessionIds()).sort()).toEqual(['later', 'new']);
  });

  test('a session reopened as the newest counts as used again, so a flood does not evict it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const store = new MemoryStore({ clock: fixedClock(0), seed, maxSessions: 2, sessionIdleMs: 3_600_000 });
    store.open('me');
    store.open('me');
    store.open('me');
    at(10);
    for (let i = 0; i < 5; i++) store.open(`flood-${i}`);
    expect(await store.sessionIds()).toContain('me');
  });

  test('a session dropped while it was the newest and used twice starts from the seed when opened again, also after a replayed drop', async () => {
    const store = make();
    store.open('a');
    store.open('a');
    await store.session('a').put('x:apps', 'z', { appid: 'z' });
    store.drop('a');
    store.open('a');
    expect(await store.session('a').get('x:apps', 'z')).toBeUndefined();

    const replayed = make();
    replayed.replay('a', { op: 'put', c: 'x:apps', k: 'z', v: { appid: 'z' } });
    replayed.replay('a', { op: 'drop' });
    replayed.open('a');
    expect(await replayed.session('a').get('x:apps', 'z')).toBeUndefined();
  });

  test('looking a session up again within its request does not count as a second use: a flood still evicts it first', () => {
    const store = make(2, 3_600_000);
    store.open('a');
    store.session('a');
    store.open('b');
    store.open('c');
    expect(store.stats()).toMatchObject({ evicted: 1, lastEviction: { session: 'a' } });
  });

  test('the eviction log says how long the evicted session had been idle', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const logged: string[] = [];
    const store = new MemoryStore({
      clock: fixedClock(0),
      seed,
      maxSessions: 1,
      sessionIdleMs: 0,
      log: (m) => logged.push(m),
    });
    store.open('a');
    vi.setSystemTime(1_000_000 + 42_400);
    store.open('b');
    expect(logged[0]).toContain('evicted session "a" (idle 42 s; 1 evicted so far');
  });

  test('the first eviction and every 1,000th are logged, naming the session and the count', () => {
    const logged: string[] = [];
    const store = new MemoryStore({
      clock: fixedClock(0),
      seed,
      maxSessions: 1,
      sessionIdleMs: 0,
      log: (m) => logged.push(m),
    });
    for (let i = 0; i <= 2000; i++) store.open(`s-${i}`);
    expect(store.stats()).toMatchObject({ held: 1, evicted: 2000, lastEviction: { session: 's-1999' } });
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatch(/maximum of 1 sessions; evicted session "s-0" .*; 1 evicted so far/);
    expect(logged[1]).toMatch(/evicted session "s-999" .*; 1000 evicted so far/);
    expect(logged[2]).toMatch(/evicted session "s-1999" .*; 2000 evicted so far/);
  });

  test('an evicted session is reported as dropped, so a durable backend forgets it too; replaying the drop removes it', async () => {
    const mutations: Array<[string, Mutation]> = [];
    const store = new MemoryStore({
      clock: fixedClock(0),
      seed,
      maxSessions: 1,
      sessionIdleMs: 0,
      onMutation: (id, m) => mutations.push([id, m]),
    });
    await store.session('a').put('x:apps', 'z', { appid: 'z' });
    store.open('b');
    expect(mutations).toContainEqual(['a', { op: 'drop' }]);
    const replayed = new MemoryStore({ clock: fixedClock(0), seed });
    for (const [id, m] of mutations) replayed.replay(id, m);
    expect(await replayed.sessionIds()).toEqual([]);
    expect(Object.keys(store.snapshot())).toEqual(['b']);
    expect(store.snapshot()['b']).toEqual(seed());
  });
});
