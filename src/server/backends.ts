/**
 * The backends, chosen once at start-up: in memory (default), on disk (`--state`), or shared through Redis
 * (`--redis`): store, journal and session lock. The pipeline and the admin API see only their interfaces.
 */
import { join } from 'node:path';
import { Journal, DEFAULT_JOURNAL, type CallJournal } from '../journal/journal.js';
import { SecretMask } from '../journal/secret-mask.js';
import type { SessionLock } from '../state/session-lock.js';
import { MemoryStore } from '../state/memory-store.js';
import { FileStore } from '../state/file-store.js';
import type { Store } from '../state/store.js';
import type { MockOptions } from './create-mock.js';

export type StoreOptions = ConstructorParameters<typeof MemoryStore>[0];
export interface Backends {
  store: Store;
  journal: CallJournal;
  locks?: SessionLock;
}

/**
 * The backends, chosen once at start-up: in memory (default), on disk (`--state`), or shared through
 * Redis (`--redis`); the pipeline and the admin API see only their interfaces.
 */
export async function chooseBackends(options: MockOptions, storeOptions: StoreOptions): Promise<Backends> {
  // A served spec's API key parameters are credentials too, whatever they are called.
  const journalOptions = {
    ...DEFAULT_JOURNAL,
    mask: new SecretMask(undefined, options.contract.secretNames),
    ...options.journal,
  };
  // Redis (and ioredis, ~60 ms to load) only when asked for: an in-memory start never loads it.
  if (options.redis && !options.store)
    return (await import('./redis-backends.js')).redisBackends(options, storeOptions, journalOptions);
  const store =
    options.store ??
    (options.stateDir ? new FileStore({ ...storeOptions, dir: options.stateDir }) : new MemoryStore(storeOptions));
  // With --state the journal is durable (read back at start): in DIR/journal.ndjson, or in the --journal file when one is named.
  const journal = await Journal.open({
    ...journalOptions,
    log: options.log ?? console.error,
    ...(options.stateDir && { file: options.journal?.file ?? join(options.stateDir, 'journal.ndjson'), restore: true }),
  });
  return { store, journal };
}
