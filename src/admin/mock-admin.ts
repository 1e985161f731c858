/**
 * The mock's whole admin API in one express app: state, clock and reset (admin-routes), the journal,
 * scenarios, live events and the dashboard. Loaded on demand by create-server, so express stays off
 * the start-up path and the API hot path.
 */
import type express from 'express';
import type { ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';
import type { CallJournal } from '../journal/journal.js';
import type { HttpStatusMode } from '../contract/served-spec.js';
import { specRoutes } from './spec-routes.js';
import type { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import type { Store } from '../state/store.js';
import type { SessionLock } from '../state/session-lock.js';
import { seedState } from '../mock/seed-state.js';
import type { RecordValidators } from '../mock/record-validators.js';
import { packageVersion } from '../mock/package-version.js';
import { createAdminApp } from './admin-routes.js';
import type { BodyLimits } from './body-limits.js';
import { eventRoutes } from './event-routes.js';
import { journalRoutes } from './journal-routes.js';
import { scenarioRoutes } from './scenario-routes.js';
import { uiRoutes } from './ui-routes.js';

export interface MockAdminOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  /** The API calls' session lock: the admin API's writes take it too. */
  locks: SessionLock;
  seed: number;
  /** Checks seeded records against the spec's schemas (built once by create-server). */
  records: RecordValidators;
  journal: CallJournal;
  registry: ScenarioRegistry;
  startedAt: number;
  log: (message: string) => void;
  limits?: BodyLimits;
  httpStatus: HttpStatusMode;
}

export function createMockAdmin(o: MockAdminOptions): express.Express {
  const env = { contract: o.contract, modules: o.modules, seed: o.seed, records: o.records };
  const exclusive = <T>(session: string, fn: () => Promise<T>): Promise<T> => o.locks.run(o.store.session(session), fn);
  return createAdminApp({
    contract: o.contract,
    modules: o.modules,
    store: o.store,
    exclusive,
    seed: o.seed,
    records: o.records,
    startedAt: o.startedAt,
    log: o.log,
    limits: o.limits,
    extend: (router) => {
      journalRoutes(router, o.journal, packageVersion(), new Set(o.contract.operations.map((op) => op.operationId)));
      scenarioRoutes(router, { registry: o.registry, store: o.store, exclusive, seed: (session, given) => seedState(env, o.store.session(session), given) });
      eventRoutes(router, o.journal, o.store);
      uiRoutes(router);
      specRoutes(router, o.contract, o.httpStatus);
    },
    onReset: async (session) => void (await o.journal.clear(session)),
  });
}
