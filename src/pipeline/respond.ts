/**
 * respond: the answer checked against the operation's declared response, mapped (`--http-status mapped`),
 * written once and bounded (max-response), then sent, or the scenario's network fault played instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exactJson } from '../contract/exact-json.js';
import { checkAnswerBody } from '../contract/validate-request.js';
import { asciiJson, VIOLATIONS_HEADER } from '../http/mock-headers.js';
import { REFUSALS } from '../http/refusals.js';
import { endTogether } from './end-together.js';
import { refuse } from './refuse.js';
import { dialectOf, unhold, type Answer, type Call, type Walk } from './walk.js';

/** One writeHead with a flat header list: the cheapest way through node:http (no per-header objects). */
export function writeAnswer(
  w: Walk,
  req: IncomingMessage,
  res: ServerResponse,
  answer: Answer,
  written?: string,
): void {
  const payload = answer.bytes ?? answer.text ?? written ?? exactJson.stringify(answer.body);
  const headers = w.options.corsHeaders(req);
  for (const k in answer.headers) headers.push(k, answer.headers[k]!);
  // A documented response without content (a served spec's 204) goes out without a type.
  if (payload.length !== 0) headers.push('Content-Type', answer.contentType ?? 'application/json;charset=UTF-8');
  headers.push('Content-Length', String(Buffer.byteLength(payload)));
  res.writeHead(answer.status, headers);
  endTogether(res, payload);
}

/** The answer as it will leave: its violations named in a header, checked against the contract, mapped, and within --max-response. */
export function shape(w: Walk, call: Call, answer: Answer): Answer {
  const violations = withViolations(call, answer);
  const op = call.op;
  if (op && !answer.unchecked)
    violations.push(
      ...checkAnswerBody(op, answer.status, answer.body, answer.text, answer.documented ? 'document' : 'response'),
    );
  if (w.options.httpStatus === 'mapped' && call.api && answer.text === undefined)
    answer.status = dialectOf(w, call.api)!.mappedAnswerStatus(answer.status, answer.body);
  return bounded(w, call, answer);
}

/** The call's first violations named in the answer (X-Mock-Violations), so the client sees what was wrong. */
export function withViolations(call: Call, answer: Answer): Call['violations'] {
  const violations = call.violations;
  if (violations.length)
    answer.headers[VIOLATIONS_HEADER] = asciiJson(
      violations.slice(0, 5).map(({ pointer, message }) => ({ pointer, message })),
    );
  return violations;
}

/**
 * The answer's body written once, before it is recorded: an answer larger than --max-response (or than V8 can write
 * as one string) is refused (max-response), and recorded as such.
 */
function bounded(w: Walk, call: Call, answer: Answer): Answer {
  const max = w.limits.maxResponseBytes;
  let size: number;
  if (answer.bytes !== undefined || answer.text !== undefined) size = (answer.bytes ?? answer.text)!.length;
  else {
    try {
      // undefined for no body (a network fault's answer, which is never written).
      const payload: string | undefined = exactJson.stringify(answer.body);
      call.payload = payload;
      size = payload?.length ?? 0;
    } catch (e) {
      // Only a body too large to write is expected here (RangeError: Invalid string length); anything else is a bug.
      if (!(e instanceof RangeError)) throw e;
      size = Infinity;
    }
  }
  if (size <= max) return answer;
  // The refusal goes out instead: its own body is written when it is sent.
  call.payload = undefined;
  const message = `the answer to ${call.op?.operationId ?? `${call.method} ${call.pathname}`} would be ${size === Infinity ? 'larger than the mock can write' : `${size} bytes`}, over the response limit of ${max} bytes; delete records or reset the session (POST /__mock/reset), or start serve with a larger --max-response`;
  call.violations.push({ side: 'response', pointer: '', message, rule: 'max-response' });
  return refuse(dialectOf(w, call.api), REFUSALS.maxResponse, `contract-mock: ${message}`, call.op, answer.headers);
}

/** Sends the answer, or plays the scenario's network fault instead. */
export function send(w: Walk, call: Call, res: ServerResponse, answer: Answer): void {
  const fault = call.fault;
  if (!fault || fault === 'malformed-json') writeAnswer(w, call.req, res, answer, call.payload);
  else if (fault === 'connection-reset') call.req.socket.resetAndDestroy();
  else if (fault === 'empty-response') call.req.socket.destroy();
  else hang(w, call, res);
}

/**
 * The `timeout` fault: the connection is held, unanswered, until the client gives up or --max-hold has
 * passed (then it is closed without an answer, as an upstream that never answers is cut by its gateway).
 * The call's held slot goes with the connection.
 */
function hang(w: Walk, call: Call, res: ServerResponse): void {
  const socket = call.req.socket;
  if (res.destroyed || socket.destroyed) return unhold(w, call);
  w.hanging.add(res);
  const timer = setTimeout(() => socket.destroy(), w.limits.maxHoldMs).unref();
  res.once('close', () => {
    clearTimeout(timer);
    w.hanging.delete(res);
    unhold(w, call);
  });
}
