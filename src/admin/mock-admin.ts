/**
 * The mock's whole admin API in one express app: the handlers of every resource (state, pact, journal,
 * scenarios, events, specs, dashboard) for the route table's rows. Loaded on demand by create-server, so
 * express stays off the start-up path and the API hot path.
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
import { seedState } from '../answers/seed-state.js';
import type { RecordValidators } from '../answers/record-validators.js';
import { packageVersion } from '../server/package-version.js';
import { createAdminApp } from './admin-app.js';
import type { AdminHandlers } from './mount-admin-routes.js';
import { pactStateRoutes } from './pact-state-routes.js';
import { stateRoutes } from './state-routes.js';
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
  const seed = (session: string, body: unknown) => seedState(env, o.store.session(session), body);
  // One handler for every express row of the route table, by resource (mounting checks none is missing).
  const handlers: AdminHandlers = {
    ...stateRoutes({ ...env, store: o.store, exclusive, journal: o.journal }),
    ...pactStateRoutes({ exclusive, seed }),
    ...journalRoutes(o.journal, packageVersion(), new Set(o.contract.operations.map((op) => op.operationId))),
    ...scenarioRoutes({ registry: o.registry, store: o.store, exclusive, seed }),
    ...eventRoutes(o.journal),
    ...specRoutes(o.contract, o.httpStatus),
    ...uiRoutes(),
  };
  return createAdminApp(handlers, { log: o.log, limits: o.limits });
}
