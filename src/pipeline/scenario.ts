/**
 * scenario: what this request's and the session's active scenarios say (counting their hits): a delay, a
 * decision (an error, a response, an HTTP error page, a network fault) or flags for the handler. An answer
 * held on purpose takes one of --max-held slots.
 */
import iconv from 'iconv-lite';
import { exactJson } from '../contract/exact-json.js';
import { declaredCharset } from '../contract/decode-body.js';
import type { Operation } from '../contract/types.js';
import { asciiJson, SCENARIO_APPLIED_HEADER } from '../http/mock-headers.js';
import { REFUSALS } from '../http/refusals.js';
import {
  applyScenarios,
  gatewayPage,
  requestedScenarios,
  type Decision,
  type ScenarioOutcome,
} from '../scenarios/apply-scenarios.js';
import { refuse } from './refuse.js';
import { fakeOf, unhold, type Answer, type Call, type Walk } from './walk.js';

/** Notes the scenarios' outcome on the call; an answer when a request names an unknown scenario, a slot is not free, or a rule decides the answer. */
export function scenario(w: Walk, call: Call, op: Operation): Answer | undefined | Promise<Answer | undefined> {
  const registry = w.options.scenarios;
  const requested = requestedScenarios(call.req.headers);
  const unknown = requested.filter((n) => !registry?.get(n));
  if (unknown.length) {
    call.violations.push({
      side: 'request',
      pointer: '/headers/x-mock-scenario',
      message: `unknown scenario ${unknown.join(', ')}`,
      rule: 'unknown-scenario',
    });
    return refuse(
      undefined,
      REFUSALS.unknownScenario,
      `X-Mock-Scenario names ${unknown.join(', ')}; available: ${registry?.names().join(', ') || 'none'}. See GET /__mock/scenarios.`,
    );
  }
  if (!registry) return undefined;
  const session = call.session;
  const outcome = applyScenarios(registry, {
    op,
    pathname: call.pathname,
    input: call.input!,
    headers: call.req.headers,
    session,
    module: w.modules.get(op.api),
    fake: () => fakeOf(w, call),
    requested,
    exclusive: (fn) => w.locks.run(session, fn),
  });
  return outcome instanceof Promise ? outcome.then((o) => applied(w, call, op, o)) : applied(w, call, op, outcome);
}

/**
 * The outcome noted on the call, after its delay (a promise only when there is one to wait). An answer held on
 * purpose (a delay, a `timeout` fault) takes one of --max-held slots; with none free the call is refused at once
 * (max-held), so held calls cannot pile up and take every file descriptor (issue 25). A delay is cut to --max-hold.
 */
function applied(
  w: Walk,
  call: Call,
  op: Operation,
  outcome: ScenarioOutcome,
): Answer | undefined | Promise<Answer | undefined> {
  call.applied = outcome.applied;
  call.decision = outcome.decision;
  call.flags = outcome.flags ?? {};
  if (outcome.applied.length)
    call.headers = { [SCENARIO_APPLIED_HEADER]: asciiJson(outcome.applied.map((a) => `${a.scenario}#${a.rule}`)) };
  const timeout = outcome.decision?.kind === 'fault' && outcome.decision.fault === 'timeout';
  if (outcome.delayMs <= 0 && !timeout) return decide(w, call, op);
  if (w.held >= w.limits.maxHeld) {
    const message = `contract-mock: ${w.limits.maxHeld} answers are already held on purpose (timeout faults and scenario delays, --max-held); this one is answered at once, retry it later`;
    return refuse(op.dialect, REFUSALS.maxHeld, message, op);
  }
  w.held++;
  call.held = true;
  if (outcome.delayMs <= 0) return decide(w, call, op);
  return w.options.sleep(Math.min(outcome.delayMs, w.limits.maxHoldMs)).then(() => {
    // A `timeout` fault keeps its slot until its connection closes (respond).
    if (!timeout) unhold(w, call);
    return decide(w, call, op);
  });
}

/** The scenario's decision as an answer; undefined when the handler answers (no decision, `pass`, a `malformed-json` fault, an unknown error key). */
function decide(w: Walk, call: Call, op: Operation): Answer | undefined {
  const decision = call.decision;
  if (!decision) return undefined;
  const headers = { ...call.headers };
  if (decision.kind === 'error') {
    const dialect = op.dialect;
    if (dialect.entry(decision.key))
      return {
        status: dialect.httpStatus(decision.key),
        headers,
        body: dialect.error(decision.key, { op, message: decision.message }),
      };
    w.options.log(`contract-mock: scenario error ${decision.key} is not in ${op.api}'s catalogue; answering normally`);
  } else if (decision.kind === 'response') {
    return scenarioResponse(decision, headers);
  } else if (decision.kind === 'http-error') {
    return {
      status: decision.status,
      headers: { ...headers, ...decision.headers },
      body: undefined,
      text: gatewayPage(decision.status),
      contentType: 'text/html',
      unchecked: true,
    };
  } else if (decision.kind === 'fault') {
    call.fault = decision.fault;
    if (decision.fault !== 'malformed-json') return { status: 0, headers, body: undefined, unchecked: true };
  }
  return undefined;
}

/**
 * A scenario's own response (a recorded one too). A Content-Type among its headers is the one sent;
 * with it, a string body is the body as sent (an HTML page, text, a JSON text kept verbatim), any other
 * body is JSON in the charset the type declares. No body for `` or a 204/304.
 */
function scenarioResponse(decision: Extract<Decision, { kind: 'response' }>, headers: Record<string, string>): Answer {
  const own: Record<string, string> = { ...headers };
  let contentType: string | undefined;
  for (const k in decision.headers) {
    if (k.toLowerCase() === 'content-type') contentType = decision.headers[k];
    else own[k] = decision.headers[k]!;
  }
  const { status, body } = decision;
  const answer: Answer = {
    status,
    headers: own,
    body,
    unchecked: true,
    ...(contentType !== undefined && { contentType }),
  };
  if (body === '' || status === 204 || status === 304) return { ...answer, text: '' };
  if (contentType === undefined) return answer;
  const raw = typeof body === 'string' ? { text: body } : {};
  const charset = declaredCharset(contentType);
  if (!charset || !iconv.encodingExists(charset)) return { ...answer, ...raw };
  return {
    ...answer,
    ...raw,
    bytes: iconv.encode(typeof body === 'string' ? body : exactJson.stringify(body), charset),
  };
}
