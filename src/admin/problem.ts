/** Admin-API errors as RFC 9457 application/problem+json, with a detail that says what to fix. */
import type { ServerResponse } from 'node:http';
import type { Response } from 'express';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

/** The problem document itself, for answers written outside express (pipeline, listener). */
export function problemBody(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: 'about:blank', title, status, detail, ...extra };
}

/** Answers an express request with a problem document. */
export function problem(res: Response, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type(PROBLEM_TYPE).send(JSON.stringify(problemBody(status, title, detail, extra)));
}

/** Answers a plain node:http request with a problem document (and any extra headers, as a flat list). */
export function writeProblem(res: ServerResponse, status: number, title: string, detail: string, headers: string[] = []): void {
  res.writeHead(status, [...headers, 'Content-Type', PROBLEM_TYPE]);
  res.end(JSON.stringify(problemBody(status, title, detail)));
}
