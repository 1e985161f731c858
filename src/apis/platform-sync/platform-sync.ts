/**
 * platform-sync (平台基础数据同步接口, seeds/000). Its behaviour (tokens that expire and renew, schools, classes and
 * users with the documented upsert and delete codes, the demo app) is declared in specs/platform-sync.openapi.yaml
 * (`x-mock-state`) and answered by answers/declared/: no handler code. This module adds what is not the mock's
 * answers: the flow `verify` runs and the provider states `pact` writes.
 */
import type { ApiModule } from '../api-module.js';
import { platformSyncFlow } from './verify-flow.js';
import { platformSyncStates } from './pact-states.js';

export const platformSync: ApiModule = {
  api: 'platform-sync',
  handlers: {},
  collections: {},
  seed: () => ({}),
  verifyFlow: platformSyncFlow,
  providerStates: platformSyncStates,
};
