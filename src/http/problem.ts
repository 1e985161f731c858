/** RFC 9457 problem documents: the admin API's errors, and the mock's own refusals off an API's envelope. Knows nothing of express. */
import type { ServerResponse } from 'node:http';
import { refusalHeaders, type Refusal } from './refusals.js';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  /** A refusal's stable type (http/refusals.ts), or `about:blank` for a problem that only its status names. */
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

/** The problem document itself, for answers written outside express (pipeline, listener). */
export function problemBody(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  type = 'about:blank',
): Problem {
  return { type, title, status, detail, ...extra };
}

/** Answers a plain node:http request with a problem document (and any extra headers, as a flat list). */
export function writeProblem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: string[] = [],
  type = 'about:blank',
): void {
  res.writeHead(status, [...headers, 'Content-Type', PROBLEM_TYPE]);
  res.end(JSON.stringify(problemBody(status, title, detail, {}, type)));
}

/** A refusal's problem document (its status, title and type from the catalogue); `status` only where the entry says it varies. */
export function refusalProblem(
  refusal: Refusal,
  detail: string,
  extra: Record<string, unknown> = {},
  status = refusal.status,
): Problem {
  return problemBody(status, refusal.title, detail, extra, refusal.type);
}

/** Answers a plain node:http request with a refusal's problem document (and any extra headers, as a flat list). */
export function writeRefusal(res: ServerResponse, refusal: Refusal, detail: string, headers: string[] = []): void {
  const own = refusalHeaders(refusal);
  for (const k in own) headers = [...headers, k, own[k]!];
  res.writeHead(refusal.status, [...headers, 'Content-Type', PROBLEM_TYPE]);
  res.end(JSON.stringify(refusalProblem(refusal, detail)));
}
