/**
 * The admin API's JSON body limits, the same as the API paths' (serve --max-body, --max-depth,
 * --max-fields): a body nested deeper, or an object with more fields, is refused with problem+json
 * before any route sees it, so nothing stored can be too deep to serialise, snapshot or replay.
 * One step of its own: checks of what a body means (schemas) come after it.
 */
import type { NextFunction, Request, Response } from 'express';
import { problem, REFUSALS } from './problem.js';

export interface BodyLimits {
  maxBodyBytes: number;
  maxDepth: number;
  maxFields: number;
}

/** Undefined when `value` is within the limits; else what is wrong and where (a JSON pointer). Iterative: deep input cannot overflow the stack. */
export function bodyLimitProblem(
  value: unknown,
  limits: Pick<BodyLimits, 'maxDepth' | 'maxFields'>,
): string | undefined {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: '' }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limits.maxDepth)
      return `${path || '/'} is nested deeper than ${limits.maxDepth} levels (serve --max-depth)`;
    const keys = Object.keys(v);
    if (!Array.isArray(v) && keys.length > limits.maxFields)
      return `${path || '/'} has ${keys.length} fields, more than ${limits.maxFields} (serve --max-fields)`;
    for (const k of keys) {
      const child = (v as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object')
        stack.push({ v: child, depth: depth + 1, path: `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` });
    }
  }
  return undefined;
}

/** Express middleware (after express.json): refuses a parsed body over the limits; nothing is changed. */
export function bodyLimits(limits: BodyLimits) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const detail = bodyLimitProblem(req.body, limits);
    if (detail)
      return problem(res, REFUSALS.bodyLimits, `${req.method} /__mock${req.path}: ${detail}; nothing was changed.`);
    next();
  };
}
