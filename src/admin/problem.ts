/** Admin-API errors as RFC 9457 application/problem+json, with a detail that says what to fix. */
import type { Response } from 'express';

export function problem(res: Response, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
}
