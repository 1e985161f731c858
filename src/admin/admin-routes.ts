/**
 * The admin API under `/__mock` (DESIGN.md): health, clock, reset and state, all scoped to the
 * `X-Mock-Session` session. Express serves it; the API hot path never goes through express.
 */
import { exactJson } from '../contract/exact-json.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ApiModule } from '../apis/api-module.js';
import { collectionName } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject } from '../contract/types.js';
import { StoreUnavailableError, type Store } from '../state/store.js';
import { seedState } from '../mock/seed-state.js';
import type { RecordValidators } from '../mock/record-validators.js';
import { formatDateTime } from '../mock/format-time.js';
import { DEFAULT_LIMITS } from '../pipeline/index.js';
import { sessionOf } from '../http/session-header.js';
import { bodyLimits, type BodyLimits } from './body-limits.js';
import { jsonBody } from './json-body.js';
import { problem } from './problem.js';
import { pactStateRoutes } from './pact-state-routes.js';

export interface AdminOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  /** Runs `fn` under the session's lock (the API calls'): every write to a session happens under it. Default: no lock (tests of the routes alone). */
  exclusive?: <T>(session: string, fn: () => Promise<T>) => Promise<T>;
  seed: number;
  /** Checks seeded records against the spec's schemas (POST /__mock/state). */
  records?: RecordValidators;
  /** Extra routes mounted by later layers (journal, scenarios) before the 404 fallback. */
  extend?: (router: express.Router) => void;
  /** Called after a session is reset, so other layers clear their per-session data. */
  onReset?: (session: string) => Promise<void> | void;
  startedAt: number;
  /** Where an unexpected error is written (its stack stays out of the answer). */
  log?: (message: string) => void;
  /** The API paths' body limits, applied to admin bodies too (default DEFAULT_LIMITS). */
  limits?: BodyLimits;
}

async function stateView(options: AdminOptions, session: string): Promise<JsonObject> {
  const s = options.store.session(session);
  const dump = await s.dump();
  const now = await s.now();
  const apis: JsonObject = {};
  // Every API: the four by their modules, a served spec (no module) by the collections its calls made.
  for (const api of new Set([...options.modules.keys(), ...options.contract.apis.keys()])) {
    const module = options.modules.get(api);
    const view: JsonObject = {};
    const prefix = collectionName(api, '');
    // Every collection of the API, seedable or not (ios-datasyn tables and tracks are state too).
    const kinds = new Set([...Object.keys(module?.collections ?? {}), ...Object.keys(dump.collections).filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length))]);
    for (const kind of kinds) {
      const records = Object.values(dump.collections[collectionName(api, kind)] ?? {});
      view[kind] = records.map((r) =>
        r && typeof r === 'object' && typeof (r as JsonObject)['expiresAt'] === 'number'
          ? { ...(r as JsonObject), secondsLeft: Math.max(0, Math.round(((r as JsonObject)['expiresAt'] as number) - now) / 1000) }
          : r,
      );
    }
    apis[api] = view;
  }
  return {
    session,
    clock: { now, formatted: formatDateTime(now), offsetSeconds: dump.clockOffsetMs / 1000 },
    apis,
    counters: dump.counters,
  };
}

/** How far a session's clock may move from the real one: 100 years. */
const MAX_CLOCK_OFFSET_MS = 100 * 365.25 * 24 * 3600 * 1000;

export function createAdminApp(options: AdminOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 2);
  const router = express.Router();
  const limits = options.limits ?? DEFAULT_LIMITS;
  const exclusive = options.exclusive ?? (<T>(_session: string, fn: () => Promise<T>): Promise<T> => fn());
  router.use(jsonBody(limits.maxBodyBytes));
  router.use(bodyLimits(limits));

  router.post('/clock', async (req: Request, res: Response) => {
    const seconds = (req.body as JsonObject | undefined)?.['advanceSeconds'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return problem(res, 400, 'Bad clock request', 'Send {"advanceSeconds": N} with N a number of seconds >= 0, e.g. {"advanceSeconds": 7201} to expire a platform-sync token.');
    }
    const session = sessionOf(req);
    const store = options.store.session(session);
    const moved = await exclusive(session, async () => {
      // Past ±100 years dates stop formatting (and near 1e308 the clock becomes NaN): refuse before moving it.
      const offsetMs = (await store.dump()).clockOffsetMs + seconds * 1000;
      if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS) return { ok: false as const, offsetMs };
      return { ok: true as const, now: await store.advanceClock(seconds) };
    });
    if (!moved.ok) {
      return problem(res, 400, 'Bad clock request', `advanceSeconds ${seconds} would put session "${session}"'s clock more than 100 years from now; advance by less (${Math.floor((MAX_CLOCK_OFFSET_MS - (moved.offsetMs - seconds * 1000)) / 1000)} s at most), or POST /__mock/reset to start again.`);
    }
    res.json({ session, now: moved.now, formatted: formatDateTime(moved.now) });
  });

  router.post('/reset', async (req, res) => {
    const session = sessionOf(req);
    // Back to the seed: records, clock, counters and active scenarios (all in the store); the journal via onReset.
    await exclusive(session, () => options.store.session(session).reset());
    await options.onReset?.(session);
    res.json({ session, reset: true });
  });

  router.get('/state', async (req, res) => {
    res.type('application/json').send(exactJson.stringify(await stateView(options, sessionOf(req))));
  });

  router.post('/state', async (req: Request, res: Response) => {
    const session = sessionOf(req);
    const result = await exclusive(session, () => seedState(options, options.store.session(session), req.body));
    if (!result.ok) return problem(res, 400, result.title, result.detail);
    res.status(201).type('application/json').send(exactJson.stringify({ session, written: result.written, state: await stateView(options, session) }));
  });

  pactStateRoutes(router, { exclusive, seed: (session, body) => seedState(options, options.store.session(session), body) });
  options.extend?.(router);

  router.use((req, res) => {
    problem(res, 404, 'Unknown admin route', `${req.method} /__mock${req.path} is not an admin route. The admin routes (README, "Sessions, clock and admin API"): GET health, ready, sessions, state, calls, violations, calls.har, calls.ndjson, scenarios, events, ui; POST clock, reset, state, verify, scenarios/active, pact/states; DELETE calls, scenarios/active/NAME, all under /__mock.`);
  });

  // Malformed JSON and other body-parser failures: problem+json, never a stack trace.
  // Anything else is a bug: logged with its stack, answered without it (no message, no install path).
  router.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof StoreUnavailableError) {
      res.setHeader('Retry-After', '1');
      res.setHeader('X-Mock-Limit', 'store-unavailable');
      return problem(res, 503, 'Store unavailable', `contract-mock: the shared store is unavailable (${err.message}); ${err.outcome === 'unknown' && req.method !== 'GET' ? 'the outcome is unknown (the change may have been applied): check it before retrying, ' : ''}retry once GET /__mock/health reports it up.`);
    }
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) {
      (options.log ?? ((m: string) => process.stderr.write(m + '\n')))(`contract-mock: admin API failed on ${req.method} ${req.originalUrl}: ${err.stack ?? err.message}`);
      if (res.headersSent) return void res.destroy();
      return problem(res, 500, 'Admin error', `contract-mock failed on ${req.method} /__mock${req.path}; the error is in its log.`);
    }
    // body-parser's errors (they carry a type) say what is wrong with the body; others may hold a file path.
    if (err.type) return problem(res, status, 'Bad request', `The request body could not be read: ${err.message}. Send application/json.`);
    problem(res, status, 'Bad request', `${req.method} /__mock${req.path} could not be handled (HTTP ${status}).`);
  });

  app.use('/__mock', router);
  return app;
}
