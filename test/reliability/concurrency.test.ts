/** Parallel writes to one session leave consistent state and a journal with every call. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Agent, request as httpRequest } from 'node:http';
import { testMock } from '../helpers/mock.js';
import type { SessionStore, Store } from '../../src/state/store.js';
import { listen } from '../helpers/listen.js';

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
beforeAll(async () => {
  m = await testMock();
  base = await listen(m.server);
});
afterAll(() => m.server.close());

const agent = new Agent({ keepAlive: true, maxSockets: 100 });
function post(path: string, body: unknown, session: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-mock-session': session } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('concurrency', () => {
  test('500 concurrent upserts and deletes of the same school: state equals the calls replayed in the order they ran', async () => {
    const S = 'race';
    const token = (
      (await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, S))['data'] as {
        access_token: string;
      }
    ).access_token;
    const school = (i: number) => ({
      access_token: token,
      organName: `学校${i}`,
      organKind: 2,
      provinceName: '湖北省',
      cityName: '武汉市',
      areaName: '武昌区',
      otherId: 7,
    });
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        i % 3 === 2
          ? post('/v1/abutment/syncDeleteOrganMetadata/7', { access_token: token }, S)
          : post('/v1/abutment/syncSaveOrganMetadata', school(i), S),
      ),
    );
    expect(answers.every((a) => a['status'] === 200 || a['code'] === '40410')).toBe(true);

    const calls = (await m.journal.query(S)).filter((c) => c.operationId !== 'channelToken');
    expect(calls).toHaveLength(500);
    const orders = calls.map((c) => c.order!).sort((a, b) => a - b);
    expect(new Set(orders).size).toBe(500);
    // Replay in the order the handlers ran: each answer is what that state implies, and so is the end state.
    let exists = false;
    let name: string | undefined;
    for (const c of [...calls].sort((a, b) => a.order! - b.order!)) {
      if (c.operationId === 'syncSaveOrganMetadata') {
        exists = true;
        name = (c.request.body as { organName: string }).organName;
        expect(c.response.code).toBe('200');
      } else {
        expect(c.response.code).toBe(exists ? '200' : '40410');
        exists = false;
      }
    }
    const state = (await (await fetch(`${base}/__mock/state`, { headers: { 'x-mock-session': S } })).json()) as {
      apis: Record<string, { schools: Array<{ organName: string }> }>;
    };
    const schools = state.apis['platform-sync']!.schools;
    expect(schools.map((s) => s.organName)).toEqual(exists ? [name] : []);
  });

  test('concurrent adds of the same push project: exactly one is saved, the others answer 16000 数据已存在', async () => {
    const S = 'race-wx';
    const answers = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<Record<string, unknown>>((resolve) => {
            const req = httpRequest(
              `${base}/wx/push/addPushProject`,
              {
                method: 'POST',
                agent,
                headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-mock-session': S },
              },
              (res) => {
                let t = '';
                res.on('data', (c) => (t += c));
                res.on('end', () => resolve(JSON.parse(t)));
              },
            );
            req.end('url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&project=same');
          }),
      ),
    );
    expect(answers.filter((a) => a['success'] === true)).toHaveLength(1);
    expect(answers.filter((a) => a['code'] === '16000')).toHaveLength(49);
  });
});

/**
 * A store whose every call goes back to the event loop before it answers, as a networked store (Redis) does.
 * With the in-memory store a handler runs to its end in one turn, so only a store like this shows whether the
 * pipeline really runs one call of a session at a time.
 */
function yieldingStore(inner: Store): Store {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const wrapped = new WeakMap<SessionStore, SessionStore>();
  const wrap = (s: SessionStore): SessionStore => {
    let w = wrapped.get(s);
    if (!w) {
      const later = <T>(fn: () => T | Promise<T>) => turn().then(fn);
      w = {
        id: s.id,
        get: (c, k) => later(() => s.get(c, k)),
        put: (c, k, v) => later(() => s.put(c, k, v)),
        delete: (c, k) => later(() => s.delete(c, k)),
        list: (c) => later(() => s.list(c)),
        nextSeq: (n, start) => later(() => s.nextSeq(n, start)),
        now: () => s.now(),
        advanceClock: (sec) => s.advanceClock(sec),
        dump: () => s.dump(),
        reset: () => s.reset(),
      };
      wrapped.set(s, w);
    }
    return w;
  };
  return {
    open: async (id) => {
      const r = await inner.open(id);
      return r.ok ? { ok: true, session: wrap(r.session) } : r;
    },
    session: (id) => wrap(inner.session(id)),
    sessionIds: () => inner.sessionIds(),
    clear: () => inner.clear(),
  };
}

describe('one call of a session at a time, whatever the store', () => {
  test('over a store that yields between reads and writes, concurrent adds of one project still save exactly one', async () => {
    const plain = await testMock();
    const slow = await testMock({ store: yieldingStore(plain.store) });
    const url = await listen(slow.server);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`${url}/wx/push/addPushProject`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-mock-session': 'yielding' },
            body: 'url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&project=same',
          }).then(async (r) => (await r.json()) as { success: boolean; code?: string }),
        ),
      );
      expect(answers.filter((a) => a.success)).toHaveLength(1);
      expect(answers.filter((a) => a.code === '16000')).toHaveLength(19);
      const orders = (await slow.journal.query('yielding')).map((c) => c.order);
      expect(new Set(orders).size).toBe(20);
    } finally {
      slow.server.close();
    }
  });
});
