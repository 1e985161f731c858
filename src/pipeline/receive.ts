/**
 * receive: the call's target, session, mock time and body. A new session past the session limit is
 * refused here, before its body is read (the max-sessions refusal), and undefined is returned.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { declaredCharset } from '../contract/decode-body.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
import { REFUSALS } from '../http/refusals.js';
import { sessionOf } from '../http/session-header.js';
import { requestTarget } from '../http/request-target.js';
import { refuse } from './refuse.js';
import { writeAnswer } from './respond.js';
import { isoNow } from './time-cache.js';
import { dialectOf, type Call, type Walk } from './walk.js';

/**
 * Whether the request carries a body: a Content-Length above 0 or a Transfer-Encoding (RFC 9112 6.3: without either
 * a request has none). A GET is not read at all, no promise nor listeners: node:http discards what is left of it.
 */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export async function receive(w: Walk, req: IncomingMessage, res: ServerResponse): Promise<Call | undefined> {
  const started = performance.now();
  const time = isoNow();
  const { method, pathname, search } = requestTarget(req);
  const sessionId = sessionOf(req);
  const match = matchRoute(w.contract.routes, method, pathname);
  let opened = w.options.store.open(sessionId);
  if (opened instanceof Promise) opened = await opened;
  if (!opened.ok) {
    req.resume();
    writeAnswer(
      w,
      req,
      res,
      refuse(
        dialectOf(w, apiOf(match)),
        REFUSALS.maxSessions,
        `contract-mock: ${opened.reason}`,
        match.ok ? match.operation : undefined,
      ),
    );
    return undefined;
  }
  const session = opened.session;
  let mockTime = session.now();
  if (mockTime instanceof Promise) mockTime = await mockTime;
  const body = hasBody(req)
    ? await w.bodies.read(
        req,
        w.limits.maxBodyBytes,
        w.keepBodies || declaredCharset(req.headers['content-type']) !== undefined,
      )
    : { text: undefined, bytes: 0, tooLarge: false };
  return {
    req,
    started,
    time,
    method,
    pathname,
    search,
    sessionId,
    match,
    session,
    mockTime,
    body,
    op: undefined,
    api: null,
    input: undefined,
    recordedBody: body.text,
    query: undefined,
    violations: [],
    applied: [],
    decision: undefined,
    flags: {},
    fault: undefined,
    headers: {},
    deliveries: [],
    order: 0,
    fake: undefined,
    held: false,
    payload: undefined,
  };
}
