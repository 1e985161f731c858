/** The in-process session lock: one call of a session at a time, in arrival order, and its handler numbers. */
import { describe, expect, test } from 'vitest';
import { sessionLock } from '../../src/state/session-lock.js';
import type { SessionStore } from '../../src/state/store.js';

const session = (): SessionStore => ({}) as SessionStore;

/** A section that runs until released, noting when it starts and ends. */
function section(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    release,
    fn: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
  };
}

describe('sessionLock', () => {
  test("a session's sections run one at a time, in the order they asked; another session's run meanwhile", async () => {
    const lock = sessionLock();
    const [a, b] = [session(), session()];
    const log: string[] = [];
    const [one, two, three, other] = [section(log, 'a1'), section(log, 'a2'), section(log, 'a3'), section(log, 'b1')];
    const results = [lock.run(a, one.fn), lock.run(a, two.fn), lock.run(a, three.fn), lock.run(b, other.fn)];
    await Promise.resolve();
    // Uncontended, a section starts at once, without waiting a turn.
    expect(log).toEqual(['start a1', 'start b1']);
    three.release();
    two.release();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a1', 'start b1']);
    one.release();
    other.release();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'end b1', 'start a2', 'end a2', 'start a3', 'end a3']);
  });

  test("two busy sessions keep their own queues: the end of one session's section lets only that session's next one in", async () => {
    const lock = sessionLock();
    const [a, b] = [session(), session()];
    const log: string[] = [];
    const [a1, a2, b1, b2] = [section(log, 'a1'), section(log, 'a2'), section(log, 'b1'), section(log, 'b2')];
    const results = [lock.run(a, a1.fn), lock.run(a, a2.fn), lock.run(b, b1.fn), lock.run(b, b2.fn)];
    a2.release();
    b2.release();
    b1.release();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'start b2', 'end b2']);
    a1.release();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  test('a section that throws passes the session on to the next, and the session is free again after the last', async () => {
    const lock = sessionLock();
    const s = session();
    const failed = lock.run(s, async () => {
      throw new Error('handler broke');
    });
    const next = lock.run(s, async () => 'next ran');
    await expect(failed).rejects.toThrow('handler broke');
    expect(await next).toBe('next ran');
    let started = false;
    const free = lock.run(s, async () => void (started = true));
    expect(started).toBe(true);
    await free;
  });

  test('handler numbers count per session from 1', () => {
    const lock = sessionLock();
    const [a, b] = [session(), session()];
    expect([lock.next(a), lock.next(a), lock.next(b), lock.next(a)]).toEqual([1, 2, 1, 3]);
  });
});
