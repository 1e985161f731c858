/** `GET /__mock/health`, answered without express so a starting mock reports ready as soon as its APIs are. */
import type { Contract } from '../contract/compile-contract.js';
import type { JsonObject } from '../contract/types.js';
import type { Journal } from '../journal/journal.js';
import type { Store } from '../state/store.js';
import { packageVersion } from '../mock/package-version.js';

export function healthBody(contract: Contract, journal: Journal, startedAt: number, store?: Store): JsonObject {
  const sessions = store?.stats?.();
  return {
    status: 'ok',
    apis: [...contract.apis.values()].map((a) => ({
      name: a.api,
      title: (a.spec.document['info'] as JsonObject)['title'],
      operations: a.operations.map((o) => `${o.method} ${o.path} (${o.operationId})`),
    })),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    version: packageVersion(),
    journal: journal.stats(),
    // Sessions held, the --max-sessions cap, and how many were evicted to make room (none is ever refused).
    ...(sessions && { sessions: sessions as unknown as JsonObject }),
  };
}
