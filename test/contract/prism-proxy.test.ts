/**
 * Prism 5.14 (the devDependency), run as a validating proxy in front of the running mock with the documents the
 * mock serves (GET /__mock/specs/{api}): every operation's request examples, replayed in link order from a fresh
 * session, reach the documented success through it, and Prism finds no violation on either side.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FLOWS, flowRequest, type Exchange } from '../helpers/link-flows.js';
import { listen } from '../helpers/listen.js';
import { startPrismProxy } from '../helpers/prism.js';
import { loadContract, responseViolations, testMock } from '../helpers/mock.js';

const contract = await loadContract();
let m: Awaited<ReturnType<typeof testMock>>;
let url: string;
const proxies = new Map<string, { child: ChildProcess; port: number }>();

beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
  await Promise.all(
    Object.keys(FLOWS).map(async (api) => {
      proxies.set(api, await startPrismProxy(`${url}/__mock/specs/${api}`, url));
    }),
  );
}, 90_000);

afterAll(() => {
  for (const { child } of proxies.values()) child.kill('SIGTERM');
  m?.server.close();
});

describe('prism proxy in front of the mock', () => {
  test.each(Object.entries(FLOWS))(
    '%s: the examples in link order reach success, with no Prism violation',
    async (api, flow) => {
      const { port } = proxies.get(api)!;
      const dialect = contract.apis.get(api as never)!.dialect;
      const session = { 'X-Mock-Session': `prism-proxy-${api}` };
      const ran = new Map<string, Exchange>();
      for (const id of flow) {
        const op = contract.apis.get(api as never)!.operations.find((o) => o.operationId === id)!;
        const built = flowRequest(contract, op, ran);
        const res = await fetch(`http://127.0.0.1:${port}${built.url}`, {
          method: op.method,
          headers: { ...built.headers, ...session },
          body: built.body,
        });
        const text = await res.text();
        const body: unknown = text ? JSON.parse(text) : undefined;
        expect({
          op: id,
          status: res.status,
          code: dialect.codeOf(body),
          prism: res.headers.get('sl-violations'),
        }).toEqual({ op: id, status: 200, code: expect.toSatisfy((c: string) => dialect.isSuccess(c)), prism: null });
        ran.set(id, { request: built.sent, response: body });
      }
      expect(responseViolations(m.calls)).toEqual([]);
    },
    30_000,
  );

  test('Prism does validate: a request that breaks the served contract is stopped with its 422, not passed to the mock', async () => {
    const { port } = proxies.get('wx-push')!;
    const res = await fetch(`http://127.0.0.1:${port}/wx/push/deletePushProject?id=abc`, {
      method: 'DELETE',
      headers: { 'X-Mock-Session': 'prism-proxy-invalid' },
    });
    expect(res.status).toBe(422);
    expect(m.calls.filter((c) => c.session === 'prism-proxy-invalid')).toEqual([]);
  });
});
