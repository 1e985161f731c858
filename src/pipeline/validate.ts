/**
 * validate: the typed input of a call that honours the contract, or the API's answer to one that does not
 * (a body too large, too slow or in a charset it cannot be read in; unmet security; a contract violation).
 */
import { declaredCharset, decodeBody } from '../contract/decode-body.js';
import type { JsonObject, Operation, Violation } from '../contract/types.js';
import { validateRequest } from '../contract/validate-request.js';
import { challenge, errorAnswer, invalidAnswer, unmetSecurity } from '../answers/examples.js';
import { errorFake, type Answer, type Call, type Walk } from './walk.js';

/** The API's parameter error for the operation, with the message its module writes for these violations. */
function paramError(
  w: Walk,
  op: Operation,
  key: string,
  violations: Violation[],
  headers: Record<string, string> = {},
): Answer {
  const message = w.modules.get(op.api)?.violationMessage?.(violations, op.dialect);
  return { status: op.dialect.httpStatus(key), headers, body: op.dialect.error(key, { op, message }) as JsonObject };
}

/** Sets the call's input; an answer when the request cannot be served as it is. */
export function validate(w: Walk, call: Call, op: Operation): Answer | undefined {
  const { body, violations } = call;
  const limits = w.limits;
  if (body.timedOut) {
    violations.push({
      side: 'request',
      pointer: '/body',
      message: `the body did not arrive within ${limits.requestTimeoutMs} ms (${body.bytes} bytes received)`,
      rule: 'request-timeout',
    });
    return paramError(w, op, op.paramError, violations, { Connection: 'close' });
  }
  if (body.tooLarge) {
    violations.push({
      side: 'request',
      pointer: '/body',
      message: `body of ${body.bytes} bytes is over the ${limits.maxBodyBytes}-byte limit`,
      rule: 'max-body',
    });
    call.recordedBody = `(${body.bytes} bytes, not kept)`;
    return paramError(w, op, op.paramError, violations);
  }
  const charset = body.raw && declaredCharset(call.req.headers['content-type']);
  if (body.raw && charset) {
    const decoded = decodeBody(body.raw, charset, op.bodyKind === 'form');
    if (!decoded.ok) {
      violations.push(decoded.violation);
      return paramError(w, op, op.paramError, violations);
    }
    body.text = decoded.text;
  }
  const params = call.match.ok ? call.match.params : {};
  const check = validateRequest(
    op,
    {
      method: call.method,
      search: call.search,
      params,
      contentType: call.req.headers['content-type'],
      body: body.text,
      headers: call.req.headers,
    },
    limits,
  );
  call.recordedBody = check.input.body ?? body.text;
  call.query = check.input.query;
  call.input = check.input;
  violations.push(...check.violations);
  const unmet = op.security ? unmetSecurity(op, call.req.headers, check.input.query) : undefined;
  if (unmet) {
    // A security requirement not met: the operation's 401, before the rest of the request is judged (as Prism does).
    violations.unshift({
      side: 'request',
      pointer: '/headers',
      message: `no credentials for ${unmet.map((s) => `${s.name} (${s.in} ${s.key})`).join(' and ')}`,
      rule: 'security',
    });
    return errorAnswer(
      op,
      401,
      'Unauthorized',
      `${op.operationId} requires ${unmet.map((s) => s.name).join(' and ')}.`,
      errorFake(w, call, op),
      { 'WWW-Authenticate': challenge(unmet) },
    );
  }
  if (!check.errorKey) return undefined;
  const empty = violations.some((v) => v.rule === 'required-body') ? op.dialect.optionalRole('emptyBody') : undefined;
  const key = empty ?? check.errorKey;
  const message = w.modules.get(op.api)?.violationMessage?.(violations, op.dialect);
  const answer = op.dialect.invalidRequest(key, op, message);
  // A dialect without an envelope: the operation's own declared error response (its 422, 400 ...).
  return answer
    ? { status: answer.status, headers: {}, body: answer.body }
    : invalidAnswer(op, violations, errorFake(w, call, op));
}
