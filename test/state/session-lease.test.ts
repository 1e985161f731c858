/**
 * The lease an instance holds on a session (serve --redis) lasts as long as the session is in steady use,
 * hours for a busy CI session. What it remembers must stay bounded by what the session holds, however
 * many records its calls delete and however many unknown keys they ask for.
 */
import { describe, expect, test } from 'vitest';
import { ABSENT, MAX_REMEMBERED_MISSES, SessionLease } from '../../src/state/session-lease.js';

const remembered = (lease: SessionLease): number =>
  [...lease.collections.values()].reduce((n, c) => n + c.entries.size, 0);

describe('SessionLease', () => {
  test('a token issued and the oldest dropped on every call, 10,000 times: the lease remembers the live records only, and every delete is sent', () => {
    const lease = new SessionLease('owner:1', { clock: '0', records: '0' });
    let deletes = 0;
    for (let i = 1; i <= 10_000; i++) {
      lease.put('tokens', `t${i}`, { access_token: `t${i}` });
      if (i > 2) lease.delete('tokens', `t${i - 2}`);
      // A flush after each call, as the lock sends one when a call's section ends.
      const ops = lease.take();
      deletes += ops.filter((op) => op === 'd').length;
    }
    expect(deletes).toBe(9_998);
    expect(remembered(lease)).toBe(2);
    expect(lease.known('tokens', 't10000')).toEqual({ access_token: 't10000' });
    // A deleted record is not remembered as absent: it is read again from Redis, which the flush deleted it from.
    expect(lease.known('tokens', 't1')).toBeUndefined();
  });

  test('a delete is remembered until it is sent: a read before the flush is answered absent without asking Redis', () => {
    const lease = new SessionLease('owner:1', { clock: '0', records: '1' });
    lease.learn('tokens', 'old', { access_token: 'old' });
    lease.delete('tokens', 'old');
    expect(lease.known('tokens', 'old')).toBe(ABSENT);
    expect(lease.take()).toEqual(['d', 'tokens', 'old']);
    expect(lease.known('tokens', 'old')).toBeUndefined();
  });

  test('unknown keys asked for without end (a client presenting new bad tokens): misses are remembered up to a bound, pending deletes kept', () => {
    const lease = new SessionLease('owner:1', { clock: '0', records: '1' });
    lease.learn('tokens', 'live', { access_token: 'live' });
    lease.delete('tokens', 'live');
    for (let i = 0; i < 5 * MAX_REMEMBERED_MISSES; i++) {
      lease.learn('tokens', `bad-${i}`, ABSENT);
      // The miss just read is remembered: asked again within the call, it costs no round trip.
      expect(lease.known('tokens', `bad-${i}`)).toBe(ABSENT);
    }
    expect(remembered(lease)).toBeLessThanOrEqual(MAX_REMEMBERED_MISSES + 1);
    // The delete not yet sent still answers absent (Redis still has the record until the flush).
    expect(lease.known('tokens', 'live')).toBe(ABSENT);
    expect(lease.take()).toEqual(['d', 'tokens', 'live']);
  });

  test('a collection read whole answers a missing key absent without remembering one entry per key', () => {
    const lease = new SessionLease('owner:1', { clock: '0', records: '2' });
    lease.learnAll(
      'schools',
      new Map([
        ['1', { id: 1 }],
        ['2', { id: 2 }],
      ]),
    );
    lease.delete('schools', '1');
    lease.take();
    expect(lease.known('schools', '1')).toBe(ABSENT);
    expect(lease.known('schools', '3')).toBe(ABSENT);
    expect(remembered(lease)).toBe(1);
  });
});
