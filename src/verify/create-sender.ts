/**
 * Sends one contract-derived request to the target and checks the answer: the contract (check-response.ts),
 * then the outcome the check expected. Returns the CheckResult with the body and business code it read;
 * knows nothing of which requests a run sends or in what order.
 */
import type { Contract } from '../contract/compile-contract.js';
import type { Operation, Violation } from '../contract/types.js';
import { toRequest, type RequestParts } from './build-requests.js';
import { checkResponse } from '../contract/check-response.js';
import type { CheckKind, CheckResult } from './check-result.js';

/**
 * What the answer must be beyond the contract. `refusal` (a negative case): the catalogue key an envelope API
 * answers with, any 4xx for a served document. `outcome` (a flow step): the catalogue key, or for a served
 * document the exact HTTP status the key names.
 */
export type Expectation = { kind: 'refusal'; key: string } | { kind: 'outcome'; key: string };

export interface Sent {
  result: CheckResult;
  body: unknown;
  code: string | undefined;
  /** An outcome was read: a business code from an envelope, or any answer from a served document. */
  answered: boolean;
}

export interface SendTarget {
  /** The target's base URL without a trailing slash. */
  base: string;
  /** Sent as X-Mock-Session. */
  session: string;
  timeoutMs: number;
}

export type Send = (
  op: Operation,
  kind: CheckKind,
  name: string,
  parts: RequestParts,
  expect?: Expectation,
) => Promise<Sent>;

export const flowFailure = (message: string, pointer = ''): Violation => ({
  side: 'response',
  pointer,
  rule: 'flow',
  message,
});

/** The failure when the answer is not the expected outcome; undefined when it is. */
function missedExpectation(
  op: Operation,
  contract: Contract,
  expect: Expectation,
  status: number,
  code: string | undefined,
): Violation | undefined {
  if (!op.dialect.hasEnvelope) {
    // A served spec's refusal is its HTTP status, not a business code.
    if (expect.kind === 'refusal')
      return status < 400 || status > 499 ? flowFailure(`expected a 4xx refusal, got HTTP ${status}`) : undefined;
    return String(status) === expect.key ? undefined : flowFailure(`expected HTTP ${expect.key}, got HTTP ${status}`);
  }
  const dialect = contract.apis.get(op.api)!.dialect;
  const expected = dialect.entry(expect.key)?.code ?? expect.key;
  return code === expected
    ? undefined
    : flowFailure(
        `expected business code ${expected} (${dialect.entry(expect.key)?.message ?? ''}), got ${code ?? 'none'}`,
      );
}

export function createSender(contract: Contract, target: SendTarget): Send {
  return async (op, kind, name, parts, expect) => {
    const dialect = contract.apis.get(op.api)!.dialect;
    const request = toRequest(op, parts);
    request.headers['x-mock-session'] = target.session;
    const url = target.base + request.path;
    const t0 = performance.now();
    const result: CheckResult = {
      api: op.api,
      operationId: op.operationId,
      kind,
      name,
      ok: false,
      failures: [],
      request: { ...request, url },
      durationMs: 0,
    };
    let body: unknown;
    let code: string | undefined;
    try {
      const res = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(target.timeoutMs),
        redirect: 'manual',
      });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? undefined;
      const check = checkResponse(op, dialect, { status: res.status, contentType, text });
      body = check.body;
      code = check.code;
      result.response = { status: res.status, contentType, body };
      result.failures.push(...check.failures);
      const missed = expect && missedExpectation(op, contract, expect, res.status, code);
      if (missed) result.failures.push(missed);
    } catch (e) {
      const err = e as Error & { cause?: Error };
      result.failures.push({
        side: 'response',
        pointer: '',
        rule: 'network',
        message: `${err.name === 'TimeoutError' ? `no answer within ${target.timeoutMs} ms` : err.message}${err.cause ? `: ${err.cause.message}` : ''}`,
      });
    }
    result.durationMs = Math.round(performance.now() - t0);
    result.ok = result.failures.length === 0;
    return {
      result,
      body,
      code,
      answered: !op.dialect.hasEnvelope ? result.response !== undefined : code !== undefined,
    };
  };
}
