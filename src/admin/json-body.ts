/**
 * The admin API's JSON body parser: express.json's behaviour (application/json, any JSON value, the byte limit,
 * an empty body read as `{}`), except that numbers are read by exact-json, so a seeded int64 beyond 2^53
 * (`otherId: 9007199254740993`) is stored digit for digit, as on the API paths.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { exactJson } from '../contract/exact-json.js';

export function jsonBody(limit: number) {
  const read = express.text({ type: ['application/json', 'application/*+json'], limit, defaultCharset: 'utf-8' });
  const parse = (req: Request, _res: Response, next: NextFunction): void => {
    if (typeof req.body !== 'string') return next();
    const text = req.body;
    if (text.trim() === '') {
      req.body = {};
      return next();
    }
    try {
      req.body = exactJson.parse(text);
    } catch (e) {
      // The shape body-parser gives its own parse errors, so the admin error handler answers it the same way.
      return next(Object.assign(new SyntaxError((e as Error).message), { status: 400, type: 'entity.parse.failed' }));
    }
    next();
  };
  return [read, parse];
}
