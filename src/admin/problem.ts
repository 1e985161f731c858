/** Admin-API errors as RFC 9457 application/problem+json from the refusal catalogue, for express handlers. */
import type { Response } from 'express';
import { PROBLEM_TYPE, refusalProblem } from '../http/problem.js';
import { refusalHeaders, type Refusal } from '../http/refusals.js';

export { PROBLEM_TYPE, problemBody, writeRefusal, type Problem } from '../http/problem.js';
export { REFUSALS } from '../http/refusals.js';

/** Answers an express request with a refusal's problem document, with a detail that says what to fix. */
export function problem(
  res: Response,
  refusal: Refusal,
  detail: string,
  extra: Record<string, unknown> = {},
  status = refusal.status,
): void {
  const own = refusalHeaders(refusal);
  for (const k in own) res.setHeader(k, own[k]!);
  res
    .status(status)
    .type(PROBLEM_TYPE)
    .send(JSON.stringify(refusalProblem(refusal, detail, extra, status)));
}
