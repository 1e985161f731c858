/**
 * `GET /__mock/health`, answered without express so a starting mock reports ready as soon as its APIs
 * are. With a shared store it also says whether the store answers (status `store-unavailable` when not); a
 * file that cannot be written (state.log, the journal) makes it `degraded`, with what failed.
 */
import type { Contract } from '../contract/compile-contract.js';
import type { JsonObject } from '../contract/types.js';
import type { JournalStats } from '../journal/journal.js';
import type { SessionStats, StoreHealth } from '../state/store.js';
import type { PersistenceFailure } from '../state/append-line.js';
import { packageVersion } from '../server/package-version.js';
import { basename } from 'node:path';

export function healthBody(
  contract: Contract,
  journal: JournalStats,
  startedAt: number,
  sessions?: SessionStats,
  store?: StoreHealth,
  persistence: PersistenceFailure[] = [],
): JsonObject {
  return {
    status: store && store.status !== 'up' ? 'store-unavailable' : persistence.length ? 'degraded' : 'ok',
    apis: [...contract.apis.values()].map((a) => ({
      name: a.api,
      title: (a.spec.document['info'] as JsonObject)['title'],
      operations: a.operations.map((o) => `${o.method} ${o.path} (${o.operationId})`),
    })),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    version: packageVersion(),
    journal: journal as unknown as JsonObject,
    // Sessions held, the --max-sessions cap, and how many were evicted to make room (none is ever refused).
    ...(sessions && { sessions: sessions as unknown as JsonObject }),
    ...(store && { store: store as unknown as JsonObject }),
    // The file by its name only: no admin answer says where the mock's files (or the package) live.
    ...(persistence.length > 0 && {
      persistence: persistence.map((p) => ({
        ...p,
        file: basename(p.file),
        error: p.error.split(p.file).join(basename(p.file)),
      })) as unknown as JsonObject[],
    }),
  };
}
