/**
 * The mock's whole admin API in one express app: state, clock and reset (admin-routes), the journal,
 * scenarios, live events and the dashboard. Loaded on demand by create-server, so express stays off
 * the start-up path and the API hot path.
 */
import type express from 'express';
import type { ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';
import type { Journal } from '../journal/journal.js';
import type { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import type { Store } from '../state/store.js';
import { seedState } from '../mock/seed-state.js';
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
  seed: number;
  journal: Journal;
  registry: ScenarioRegistry;
  startedAt: number;
  log: (message: string) => void;
  limits?: BodyLimits;
}

export function createMockAdmin(o: MockAdminOptions): express.Express {
  const env = { contract: o.contract, modules: o.modules, seed: o.seed };
  return createAdminApp({
    contract: o.contract,
    modules: o.modules,
    store: o.store,
    seed: o.seed,
    startedAt: o.startedAt,
    log: o.log,
    limits: o.limits,
    extend: (router) => {
      journalRoutes(router, o.journal, packageVersion());
      scenarioRoutes(router, { registry: o.registry, store: o.store, seed: (session, given) => seedState(env, o.store.session(session), given) });
      eventRoutes(router, o.journal, o.store);
      uiRoutes(router);
    },
    onReset: (session) => void o.journal.clear(session),
  });
}
