/**
 * The admin API's express app under `/__mock` (DESIGN.md): body parsing and limits, the route table's handlers
 * (mount-admin-routes), the 404 that lists the table, and the error answer. Owns no route's behaviour; the API hot
 * path never goes through express.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { StoreUnavailableError } from '../state/store.js';
import { DEFAULT_LIMITS } from '../pipeline/index.js';
import { bodyLimits, type BodyLimits } from './body-limits.js';
import { jsonBody } from './json-body.js';
import { mountAdminRoutes, type AdminHandlers } from './mount-admin-routes.js';
import { problem, REFUSALS } from './problem.js';

export interface AdminAppOptions {
  /** Where an unexpected error is written (its stack stays out of the answer). */
  log?: (message: string) => void;
  /** The API paths' body limits, applied to admin bodies too (default DEFAULT_LIMITS). */
  limits?: BodyLimits;
}

/** `handlers` must answer every express row of the route table (mounting throws at start-up otherwise). */
export function createAdminApp(handlers: AdminHandlers, options: AdminAppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 2);
  const router = express.Router();
  const limits = options.limits ?? DEFAULT_LIMITS;
  router.use(jsonBody(limits.maxBodyBytes));
  router.use(bodyLimits(limits));
  mountAdminRoutes(router, handlers, {
    complete: true,
    notFound: (req, list) =>
      `${req.method} /__mock${req.path} is not an admin route. The admin routes (README, "Sessions, clock and admin API"): ${list}, all under /__mock.`,
  });

  // Malformed JSON and other body-parser failures: problem+json, never a stack trace.
  // Anything else is a bug: logged with its stack, answered without it (no message, no install path).
  router.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof StoreUnavailableError) {
      return problem(
        res,
        REFUSALS.storeUnavailable,
        `contract-mock: the shared store is unavailable (${err.message}); ${err.outcome === 'unknown' && req.method !== 'GET' ? 'the outcome is unknown (the change may have been applied): check it before retrying, ' : ''}retry once GET /__mock/health reports it up.`,
      );
    }
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) {
      (options.log ?? ((m: string) => process.stderr.write(m + '\n')))(
        `contract-mock: admin API failed on ${req.method} ${req.originalUrl}: ${err.stack ?? err.message}`,
      );
      if (res.headersSent) return void res.destroy();
      return problem(
        res,
        REFUSALS.adminFailed,
        `contract-mock failed on ${req.method} /__mock${req.path}; the error is in its log.`,
      );
    }
    // body-parser's errors (they carry a type) say what is wrong with the body; others may hold a file path.
    if (err.type)
      return problem(
        res,
        REFUSALS.badBody,
        `The request body could not be read: ${err.message}. Send application/json.`,
        {},
        status,
      );
    problem(
      res,
      REFUSALS.badBody,
      `${req.method} /__mock${req.path} could not be handled (HTTP ${status}).`,
      {},
      status,
    );
  });

  app.use('/__mock', router);
  return app;
}
