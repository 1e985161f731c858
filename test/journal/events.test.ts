/** GET /__mock/events: live call records as server-sent events, per session or for all; GET /__mock/sessions. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
beforeAll(async () => {
  m = await testMock();
  base = await listen(m.server);
});
afterAll(() => {
  m.server.closeAllConnections();
  m.server.close();
});

/** Reads SSE events of one type until `count` have arrived. */
async function collect(
  url: string,
  count: number,
  act: () => Promise<unknown>,
): Promise<Array<{ session: string; operationId: string }>> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const events: Array<{ session: string; operationId: string }> = [];
  let buffer = '';
  let acted = false;
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      if (block.includes('event: hello') && !acted) {
        acted = true;
        void act();
      }
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (block.includes('event: call') && data) events.push(JSON.parse(data.slice(6)));
    }
  }
  controller.abort();
  return events;
}

describe('GET /__mock/events', () => {
  const token = (session: string) =>
    fetch(`${base}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': session },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });

  test('streams each new call of the session as it happens', async () => {
    const events = await collect(`${base}/__mock/events?session=live`, 2, async () => {
      await token('other');
      await token('live');
      await token('live');
    });
    expect(events.map((e) => [e.session, e.operationId])).toEqual([
      ['live', 'channelToken'],
      ['live', 'channelToken'],
    ]);
  });

  test('session=* streams every session; /__mock/sessions lists them', async () => {
    const events = await collect(`${base}/__mock/events?session=*`, 2, async () => {
      await token('s-a');
      await token('s-b');
    });
    expect(events.map((e) => e.session).sort()).toEqual(['s-a', 's-b']);
    const sessions = (await (await fetch(`${base}/__mock/sessions`)).json()) as { sessions: string[] };
    // The sessions this test made (the file's other tests may have made more, in any order).
    expect(sessions.sessions).toEqual(expect.arrayContaining(['s-a', 's-b']));
  });
});
