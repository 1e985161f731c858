/** Requests node:http refuses before the listener sees them (headers too large, malformed) still get a clear answer. */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Contract } from '../contract/compile-contract.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
import { asciiJson } from '../http/mock-headers.js';
import { refusalProblem } from '../http/problem.js';
import { REFUSALS } from '../http/refusals.js';

/** In the API's envelope when the request line names one of its paths, else the refusal's problem document. */
export function answerClientErrors(server: Server, contract: Contract, maxHeaderBytes: number): void {
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    // Headers that did not all arrive within node's headersTimeout: a slow client, not a malformed request.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      return void socket.end('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    const status = tooLarge ? 431 : 400;
    const line = err.rawPacket?.toString('latin1').split('\r\n')[0] ?? '';
    const [, method = 'GET', url = '/'] = /^([A-Z]+) (\S+)/.exec(line) ?? [];
    const match = matchRoute(contract.routes, method, url.split('?')[0]!);
    const api = apiOf(match);
    const message = tooLarge
      ? `request headers are over the ${maxHeaderBytes}-byte limit`
      : `malformed HTTP request (${err.code ?? err.message})`;
    const dialect = api ? contract.apis.get(api)!.dialect : undefined;
    const body = JSON.stringify(
      dialect
        ? dialect.error(match.ok ? match.operation.paramError : dialect.role('invalidRequest'), {
            op: match.ok ? match.operation : undefined,
          })
        : refusalProblem(tooLarge ? REFUSALS.headersTooLarge : REFUSALS.malformedRequest, message),
    );
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json;charset=UTF-8\r\nX-Mock-Violations: ${asciiJson([{ pointer: '/headers', message }])}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
