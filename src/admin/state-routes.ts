/**
 * The session resource of the admin API: clock, reset, state (dump and seed) and the list of sessions, each scoped
 * to the `X-Mock-Session` session and written under its lock. Handlers for route-table rows; no mounting, no 404.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Request, Response } from 'express';
import type { ApiModule } from '../apis/api-module.js';
import { collectionName } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject } from '../contract/types.js';
import type { CallJournal } from '../journal/journal.js';
import type { Store } from '../state/store.js';
import { seedState } from '../answers/seed-state.js';
import type { RecordValidators } from '../answers/record-validators.js';
import { formatDateTime } from '../contract/format-time.js';
import { sessionOf } from '../http/session-header.js';
import { problem, REFUSALS } from './problem.js';
import type { AdminHandlers } from './mount-admin-routes.js';

export interface StateRouteOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  /** Runs `fn` under the session's lock (the API calls'): every write to a session happens under it. */
  exclusive: <T>(session: string, fn: () => Promise<T>) => Promise<T>;
  seed: number;
  /** Checks seeded records against the spec's schemas (POST /__mock/state). */
  records?: RecordValidators;
  /** Cleared with the session on reset; its totals are in GET /__mock/sessions. */
  journal: CallJournal;
}

async function stateView(options: StateRouteOptions, session: string): Promise<JsonObject> {
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
    const kinds = new Set([
      ...Object.keys(module?.collections ?? {}),
      ...Object.keys(dump.collections)
        .filter((c) => c.startsWith(prefix))
        .map((c) => c.slice(prefix.length)),
    ]);
    for (const kind of kinds) {
      const records = Object.values(dump.collections[collectionName(api, kind)] ?? {});
      view[kind] = records.map((r) =>
        r && typeof r === 'object' && typeof (r as JsonObject)['expiresAt'] === 'number'
          ? {
              ...(r as JsonObject),
              secondsLeft: Math.max(0, Math.round(((r as JsonObject)['expiresAt'] as number) - now) / 1000),
            }
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

/** `GET /__mock/sessions`: the session ids a store holds and the journal's totals (the proxy serves it too). */
export function sessionRoutes(store: Store, journal: CallJournal): AdminHandlers {
  return {
    'GET /sessions': async (_req, res) => {
      res.json({ sessions: (await store.sessionIds()).sort(), journal: await journal.stats() });
    },
  };
}

export function stateRoutes(options: StateRouteOptions): AdminHandlers {
  const { exclusive } = options;
  return {
    ...sessionRoutes(options.store, options.journal),
    'POST /clock': clock,
    'POST /reset': reset,
    'GET /state': dump,
    'POST /state': seed,
  };

  async function clock(req: Request, res: Response): Promise<void> {
    const seconds = (req.body as JsonObject | undefined)?.['advanceSeconds'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return problem(
        res,
        REFUSALS.badClock,
        'Send {"advanceSeconds": N} with N a number of seconds >= 0, e.g. {"advanceSeconds": 7201} to expire a platform-sync token.',
      );
    }
    const session = sessionOf(req);
    const store = options.store.session(session);
    const moved = await exclusive(session, async () => {
      // Past ±100 years dates stop formatting (and near 1e308 the clock becomes NaN): refuse before moving it.
      const offsetMs = (await store.dump()).clockOffsetMs + seconds * 1000;
      if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS)
        return { ok: false as const, offsetMs };
      return { ok: true as const, now: await store.advanceClock(seconds) };
    });
    if (!moved.ok) {
      return problem(
        res,
        REFUSALS.badClock,
        `advanceSeconds ${seconds} would put session "${session}"'s clock more than 100 years from now; advance by less (${Math.floor((MAX_CLOCK_OFFSET_MS - (moved.offsetMs - seconds * 1000)) / 1000)} s at most), or POST /__mock/reset to start again.`,
      );
    }
    res.json({ session, now: moved.now, formatted: formatDateTime(moved.now) });
  }

  async function reset(req: Request, res: Response): Promise<void> {
    const session = sessionOf(req);
    // Back to the seed: records, clock, counters and active scenarios (all in the store); then its journal.
    await exclusive(session, () => options.store.session(session).reset());
    await options.journal.clear(session);
    res.json({ session, reset: true });
  }

  async function dump(req: Request, res: Response): Promise<void> {
    res.type('application/json').send(exactJson.stringify(await stateView(options, sessionOf(req))));
  }

  async function seed(req: Request, res: Response): Promise<void> {
    const session = sessionOf(req);
    const result = await exclusive(session, () => seedState(options, options.store.session(session), req.body));
    if (!result.ok) return problem(res, result.refusal, result.detail);
    res
      .status(201)
      .type('application/json')
      .send(exactJson.stringify({ session, written: result.written, state: await stateView(options, session) }));
  }
}
