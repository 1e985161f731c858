/** receive: a request without a body (no Content-Length, no Transfer-Encoding) is answered without reading one. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

/** A request whose stream never ends, through the listener; resolves with the answer's status and body. */
function unendedCall(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  method: string,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = Object.assign(new Readable({ read() {} }), {
      method,
      url,
      headers: { host: '127.0.0.1', ...headers },
      rawHeaders: [],
      socket: { remoteAddress: '127.0.0.1' },
    });
    let status = 0;
    const res = {
      headersSent: false,
      writeHead(s: number) {
        status = s;
        this.headersSent = true;
        return this;
      },
      setHeader() {},
      end: (body: string) => resolve({ status, body }),
      on() {},
      once() {},
    };
    listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

test.each([
  ['no Content-Length', {}],
  ['Content-Length: 0', { 'content-length': '0' }],
])('a GET with %s is answered without waiting for its request stream to end', async (_, headers) => {
  const mock = await testMock();
  try {
    const answer = await unendedCall(
      mock.listener,
      'GET',
      '/user/openapi/org/get-org-info?access_token=nope&org_id=1',
      headers,
    );
    // The documented envelope (an unknown token's business error), not a body timeout.
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ code: '100001' });
    expect(mock.calls).toHaveLength(1);
  } finally {
    mock.close();
  }
});
