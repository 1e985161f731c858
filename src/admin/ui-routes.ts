/** Serves the dashboard at /__mock/ui from files shipped in the package (no CDN, works offline), with headers that keep it out of frames. */
import express, { type NextFunction, type Request, type Response } from 'express';
import { join } from 'node:path';
import { packageRoot } from '../contract/load-specs.js';
import { problem, REFUSALS } from './problem.js';
import type { AdminHandlers } from './mount-admin-routes.js';

/** Only the dashboard's own files run; no page may frame it (clickjacking the reset button); types are never sniffed. */
const DASHBOARD_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // /__mock/ui/?admin_token=T is a login URL: never pass it on as a referrer.
  'Referrer-Policy': 'no-referrer',
};

/** The dashboard as one router, mounted on `/ui` (its files below it, whatever the method, as express.static answers). */
export function uiRoutes(): AdminHandlers {
  const dir = join(packageRoot(), 'src', 'admin', 'ui');
  const ui = express.Router();
  ui.use((_req, res, next) => {
    res.set(DASHBOARD_HEADERS);
    next();
  });
  ui.get('/', (req, res, next) => {
    // /__mock/ui → /__mock/ui/ so relative asset URLs resolve.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/__mock/ui/');
    next();
  });
  ui.use(express.static(dir, { index: 'index.html', fallthrough: false, maxAge: 0 }));
  // A missing or refused file: say which URL, never the folder it was looked for in.
  ui.use((err: Error & { status?: number }, req: Request, res: Response, next: NextFunction) => {
    if (!err.status || err.status >= 500) return next(err);
    problem(
      res,
      err.status === 404 ? REFUSALS.noDashboardFile : REFUSALS.dashboardFileRefused,
      `${req.method} /__mock/ui${req.path} is not a file of the dashboard; open /__mock/ui/.`,
      {},
      err.status,
    );
  });
  return { 'GET /ui': ui };
}
