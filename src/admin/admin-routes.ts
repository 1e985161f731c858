/**
 * The admin API under `/__mock` (DESIGN.md): health, clock, reset and state, all scoped to the
 * `X-Mock-Session` session. Express serves it; the API hot path never goes through express.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ApiModule } from '../apis/api-module.js';
import { collectionName } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject } from '../contract/types.js';
import type { Store } from '../state/store.js';
import { FakeData, hashSeed } from '../mock/fake-data.js';
import { formatDateTime } from '../mock/format-time.js';
import { sessionOf } from '../mock/pipeline.js';
import { problem } from './problem.js';

export interface AdminOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  seed: number;
  /** Extra routes mounted by later layers (journal, scenarios) before the 404 fallback. */
  extend?: (router: express.Router) => void;
  /** Called after a session is reset, so other layers clear their per-session data. */
  onReset?: (session: string) => Promise<void> | void;
  /** Extra fields for `GET /__mock/health` (journal counts, evictions ...). */
  health?: () => Record<string, unknown>;
  startedAt: number;
}

async function stateView(options: AdminOptions, session: string): Promise<JsonObject> {
  const s = options.store.session(session);
  const dump = await s.dump();
  const now = await s.now();
  const apis: JsonObject = {};
  for (const [api, module] of options.modules) {
    const view: JsonObject = {};
    const prefix = collectionName(api, '');
    // Every collection of the API, seedable or not (ios-datasyn tables and tracks are state too).
    const kinds = new Set([...Object.keys(module.collections), ...Object.keys(dump.collections).filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length))]);
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

export function createAdminApp(options: AdminOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 2);
  const router = express.Router();
  router.use(express.json({ limit: '5mb', strict: false }));

  router.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      apis: [...options.contract.apis.values()].map((a) => ({
        name: a.api,
        title: (a.spec.document['info'] as JsonObject)['title'],
        operations: a.operations.map((o) => `${o.method} ${o.path} (${o.operationId})`),
      })),
      uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
      ...options.health?.(),
    });
  });

  router.post('/clock', async (req: Request, res: Response) => {
    const seconds = (req.body as JsonObject | undefined)?.['advanceSeconds'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return problem(res, 400, 'Bad clock request', 'Send {"advanceSeconds": N} with N a number of seconds >= 0, e.g. {"advanceSeconds": 7201} to expire a platform-sync token.');
    }
    const session = sessionOf(req);
    const now = await options.store.session(session).advanceClock(seconds);
    res.json({ session, now, formatted: formatDateTime(now) });
  });

  router.post('/reset', async (req, res) => {
    const session = sessionOf(req);
    await options.store.session(session).reset();
    await options.onReset?.(session);
    res.json({ session, reset: true });
  });

  router.get('/state', async (req, res) => {
    res.json(await stateView(options, sessionOf(req)));
  });

  router.post('/state', async (req: Request, res: Response) => {
    const session = sessionOf(req);
    const body = req.body as unknown;
    const example = '{"platform-sync": {"apps": [{"appid": "my-app", "secret": "s3cret"}]}, "wuhan-eduyun": {"orgs": [{"org_id": "org-2"}]}}';
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return problem(res, 400, 'Bad state', `Send a JSON object keyed by API name, e.g. ${example}`);
    }
    const s = options.store.session(session);
    const now = await s.now();
    const planned: Array<{ collection: string; key: string; record: JsonObject }> = [];
    for (const [api, kinds] of Object.entries(body as JsonObject)) {
      const module = options.modules.get(api as ApiName);
      if (!module) return problem(res, 400, 'Unknown API', `"${api}" is not an API; use one of ${[...options.modules.keys()].join(', ')}.`);
      if (!kinds || typeof kinds !== 'object' || Array.isArray(kinds)) {
        return problem(res, 400, 'Bad state', `"${api}" must map collection names to arrays of records, e.g. ${example}`);
      }
      for (const [kind, records] of Object.entries(kinds as JsonObject)) {
        const info = module.collections[kind];
        if (!info) return problem(res, 400, 'Unknown collection', `${api} has no collection "${kind}"; it has ${Object.keys(module.collections).join(', ')}.`);
        if (!Array.isArray(records)) return problem(res, 400, 'Bad state', `${api}.${kind} must be an array of records.`);
        for (const [i, record] of records.entries()) {
          if (!record || typeof record !== 'object' || Array.isArray(record)) {
            return problem(res, 400, 'Bad record', `${api}.${kind}[${i}] must be an object.`);
          }
          const key = (record as JsonObject)[info.key];
          if (key === undefined || key === null || key === '') {
            return problem(res, 400, 'Bad record', `${api}.${kind}[${i}] needs its key field "${info.key}" (${info.description}).`);
          }
          const dialect = options.contract.apis.get(api as ApiName)!.dialect;
          const fake = new FakeData(hashSeed(options.seed, session, 'state', api, kind, String(key)));
          const components = ((options.contract.apis.get(api as ApiName)!.spec.document['components'] ?? {}) as JsonObject)['schemas'] as JsonObject;
          const generate = (name: string): JsonObject => {
            const schema = components?.[name];
            if (!schema) throw new Error(`${api} spec has no components.schemas.${name}`);
            return fake.fromSchema(schema as JsonObject) as JsonObject;
          };
          const full = info.complete ? info.complete(record as JsonObject, fake, { now, dialect, generate }) : (record as JsonObject);
          planned.push({ collection: collectionName(api as ApiName, kind), key: String(key), record: full });
        }
      }
    }
    // All records are checked before any is written: a bad request changes nothing.
    for (const p of planned) await s.put(p.collection, p.key, p.record);
    res.status(201).json({ session, written: planned.length, state: await stateView(options, session) });
  });

  options.extend?.(router);

  router.use((req, res) => {
    problem(res, 404, 'Unknown admin route', `${req.method} /__mock${req.path} is not an admin route. See DESIGN.md's admin table: GET /__mock/health, /calls, /state ...`);
  });

  // Malformed JSON and other body-parser failures: problem+json, never a stack trace.
  router.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    problem(res, status, status === 500 ? 'Admin error' : 'Bad request', status === 500 ? err.message : `The request body could not be read: ${err.message}. Send application/json.`);
  });

  app.use('/__mock', router);
  return app;
}
