/**
 * Checks one HTTP answer against an operation's contract: status, content type, JSON, envelope and
 * data schema, and that the business code is one the operation documents. Used by `verify` and `proxy`.
 */
import { exactJson } from './exact-json.js';
import type { Dialect } from './dialect.js';
import { checkAnswerBody as checkDeclared, responseFor, validateResponse } from './validate-request.js';
import type { Operation, Violation } from './types.js';

export interface HttpAnswer {
  status: number;
  contentType: string | undefined;
  text: string;
}

export interface ResponseCheck {
  body: unknown;
  code: string | undefined;
  failures: Violation[];
}

const fail = (pointer: string, rule: string, message: string): Violation => ({
  side: 'response',
  pointer,
  rule,
  message,
});

/** A served spec's answer: a documented status, its media type, and its schema. */
function checkServed(op: Operation, answer: HttpAnswer): ResponseCheck {
  const response = responseFor(op, answer.status);
  const declared = response?.contentType;
  const json = declared ? /json/i.test(declared) : false;
  const failures: Violation[] = [];
  if (declared && declared !== '*/*' && !answer.contentType?.toLowerCase().startsWith(declared.toLowerCase())) {
    failures.push(
      fail(
        '',
        'content-type',
        `Content-Type ${answer.contentType ?? '(none)'}; the contract documents ${declared} for ${response!.status}`,
      ),
    );
  }
  let body: unknown = answer.text;
  if (json) {
    try {
      body = JSON.parse(answer.text);
    } catch (e) {
      failures.push(fail('', 'json', `the body is not JSON (${(e as Error).message}): ${answer.text.slice(0, 120)}`));
      return { body: answer.text, code: undefined, failures };
    }
  }
  failures.push(...checkDeclared(op, answer.status, body, json ? undefined : answer.text));
  return { body, code: undefined, failures };
}

export function checkResponse(op: Operation, dialect: Dialect, answer: HttpAnswer): ResponseCheck {
  if (!dialect.hasEnvelope) return checkServed(op, answer);
  const failures: Violation[] = [];
  if (answer.status !== 200)
    failures.push(
      fail(
        '',
        'http-status',
        `HTTP ${answer.status}; the contract documents only 200 (business errors travel inside the envelope)`,
      ),
    );
  if (!answer.contentType?.toLowerCase().startsWith('application/json')) {
    failures.push(
      fail(
        '',
        'content-type',
        `Content-Type ${answer.contentType ?? '(none)'}; the contract documents application/json`,
      ),
    );
  }
  let body: unknown;
  try {
    body = exactJson.parse(answer.text);
  } catch (e) {
    failures.push(fail('', 'json', `the body is not JSON (${(e as Error).message}): ${answer.text.slice(0, 120)}`));
    return { body: answer.text, code: undefined, failures };
  }
  const code = dialect.codeOf(body);
  failures.push(...validateResponse(op, body));
  if (code === undefined) failures.push(fail('', 'business-code', 'the envelope carries no business code'));
  else if (dialect.anyCodeOnAnyOperation) {
    // The spec's Decision: any catalogue code may answer on any operation (a scenario's, a role's).
    if (!dialect.catalog.some((e) => e.code === code))
      failures.push(
        fail(
          '',
          'documented-code',
          `business code ${code} is not in ${dialect.api}'s x-error-catalog (${[...new Set(dialect.catalog.map((e) => e.code))].join(', ')})`,
        ),
      );
  } else if (op.codes.length && !op.codes.some((k) => dialect.entry(k)?.code === code)) {
    failures.push(
      fail(
        '',
        'documented-code',
        `business code ${code} is not one ${op.operationId} documents (${op.codes.map((k) => dialect.entry(k)?.code ?? k).join(', ')})`,
      ),
    );
  }
  return { body, code, failures };
}
