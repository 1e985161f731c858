/**
 * The mock's own refusals on API calls, from the catalogue (http/refusals.ts): in the API's envelope when it has
 * one, else problem+json at the entry's status. Also the answer when the shared store failed mid-call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dialect } from '../contract/dialect.js';
import type { Operation } from '../contract/types.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
import { PROBLEM_TYPE, problemBody } from '../http/problem.js';
import { REFUSALS, refusalHeaders, type Refusal } from '../http/refusals.js';
import { requestTarget } from '../http/request-target.js';
import type { StoreUnavailableError } from '../state/store.js';
import { dialectOf, type Answer, type Walk } from './walk.js';
import { writeAnswer } from './respond.js';

/** A refusal as the call's answer; `usage` refusals and calls outside any API are problem documents. */
export function refuse(
  dialect: Dialect | undefined,
  refusal: Refusal,
  message: string | undefined,
  op?: Operation,
  headers: Record<string, string> = {},
): Answer {
  const own = { ...headers, ...refusalHeaders(refusal) };
  if (!dialect || refusal.kind === 'usage') {
    return {
      status: refusal.status,
      headers: own,
      contentType: PROBLEM_TYPE,
      unchecked: true,
      body: problemBody(refusal.status, refusal.title, message ?? refusal.when, {}, refusal.type),
    };
  }
  const answer = dialect.refusal(refusal, message, op);
  return {
    status: answer.status,
    headers: own,
    body: answer.body,
    unchecked: true,
    ...(answer.contentType !== undefined && { contentType: answer.contentType }),
  };
}

/**
 * What the client should do, by what is known of the call's fate: a refused or unsent write did nothing (retry);
 * a timeout may have been applied, or be later (8 of 128 such calls were, in a 9 s SIGSTOP: a blind retry duplicates); a call
 * whose record failed was applied (its handler's writes were confirmed before the record was sent).
 */
function storeAdvice(e: StoreUnavailableError, recording: boolean): string {
  if (recording)
    return 'the call was applied (its changes are kept) but its record may be missing from the journal; do not retry it';
  if (e.outcome === 'not-applied') return 'the call was not served, retry it';
  return 'the outcome is unknown: the call may have been applied, or be applied once Redis answers again; check the session (GET /__mock/state) before retrying it';
}

/** The shared store did not answer in time, is unreachable or refuses commands: the store-unavailable refusal, unless an answer already left. */
export function storeUnavailable(
  w: Walk,
  req: IncomingMessage,
  res: ServerResponse,
  e: StoreUnavailableError,
  recording: boolean,
): void {
  if (res.headersSent || res.destroyed) return;
  req.resume();
  const { method, pathname } = requestTarget(req);
  const match = matchRoute(w.contract.routes, method, pathname);
  const message = `contract-mock: the store is unavailable (${e.message}); ${storeAdvice(e, recording)}`;
  writeAnswer(
    w,
    req,
    res,
    refuse(dialectOf(w, apiOf(match)), REFUSALS.storeUnavailable, message, match.ok ? match.operation : undefined),
  );
}
