/**
 * Answers leave together (pipeline/end-together.ts): a lone answer is written at once; the others of the same turn
 * of the event loop once the turn's calls are answered, in order, none lost when one connection fails under its
 * write. Over real sockets: concurrent calls each get their own answer, and every one is journaled.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { answersWritten, endTogether } from '../../src/pipeline/end-together.js';
import { startMock } from '../../src/index.js';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

function fakeResponse(log: string[], name: string, fails = false) {
  return {
    destroyed: false,
    end(payload: string) {
      if (fails) throw new Error('EPIPE');
      log.push(`${name}:${payload}`);
    },
    destroy() {
      this.destroyed = true;
      log.push(`${name}:destroyed`);
    },
  };
}
const asResponse = (r: ReturnType<typeof fakeResponse>): ServerResponse => r as unknown as ServerResponse;

describe('answers leave together', () => {
  test("a turn's first answer is written at once, the others in its check phase, in order", async () => {
    await nextTurn();
    const log: string[] = [];
    endTogether(asResponse(fakeResponse(log, 'a')), '1');
    expect(log).toEqual(['a:1']);
    endTogether(asResponse(fakeResponse(log, 'b')), '2');
    endTogether(asResponse(fakeResponse(log, 'c')), '3');
    expect(log).toEqual(['a:1']);
    const written = answersWritten();
    await written;
    expect(log).toEqual(['a:1', 'b:2', 'c:3']);
    // The next turn's first answer is written at once again.
    await nextTurn();
    endTogether(asResponse(fakeResponse(log, 'd')), '4');
    expect(log.at(-1)).toBe('d:4');
    await expect(answersWritten()).resolves.toBeUndefined();
  });

  test('a connection that fails under its write is closed; the turn’s other answers still go out', async () => {
    await nextTurn();
    const log: string[] = [];
    endTogether(asResponse(fakeResponse(log, 'a')), '1');
    const failing = fakeResponse(log, 'b', true);
    endTogether(asResponse(failing), '2');
    endTogether(asResponse(fakeResponse(log, 'c')), '3');
    await answersWritten();
    expect(log).toEqual(['a:1', 'b:destroyed', 'c:3']);
    expect(failing.destroyed).toBe(true);
  });
});

test('over real sockets: 40 concurrent calls each get their own answer, and all 40 are journaled', async () => {
  const mock = await startMock({ port: 0, log: () => {} });
  try {
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const session = `together-${i % 4}`;
        const res = await fetch(`${mock.url}/v1/channel/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mock-session': session },
          body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
        });
        const body = (await res.json()) as { status: number; data: { access_token: string } };
        return { status: body.status, token: body.data.access_token };
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.token)).size).toBe(40);
    let total = 0;
    for (let s = 0; s < 4; s++) total += (await mock.journal.query(`together-${s}`)).length;
    expect(total).toBe(40);
  } finally {
    await mock.close();
  }
});
