/**
 * Reloads the documents `serve --spec` serves from files when one is edited: that file is read again, the contract
 * recompiled with it and handed to the running mock (`use`). A document that fails to load or compile keeps the
 * previous contract, with one log line. URLs are fetched once at start and not watched. Knows nothing of HTTP.
 */
import { EventEmitter } from 'node:events';
import { DebouncedWatcher } from '../scenarios/debounced-watcher.js';
import { basename, dirname, resolve } from 'node:path';
import type { Contract } from '../contract/compile-contract.js';
import { contractWith } from '../contract/contract-cache.js';
import { isSpecUrl, loadServedSpec, type SpecDocument } from '../contract/load-specs.js';

/** Events: `reload` (file, contract) once the new contract is in use; `invalid` (file, message) when the previous one is kept. */
export class SpecWatcher extends EventEmitter {
  private readonly docs: Map<string, SpecDocument>;
  private readonly watcher = new DebouncedWatcher((file) => void this.reload(file));
  /** Reloads run one at a time, in the order the edits came: each builds on the documents the last one kept. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    contract: Contract,
    specs: readonly string[],
    private readonly use: (next: Contract) => void,
    private readonly log: (message: string) => void,
  ) {
    super();
    const served = [...contract.apis.values()].map((a) => a.spec).filter((s) => s.mount !== undefined);
    // In the order given to --spec: the order the contract was first compiled in, so its collision messages read the same.
    this.docs = new Map(
      specs
        .map((s) => (isSpecUrl(s) ? s : resolve(s)))
        .flatMap((key) => served.filter((d) => d.file === key).map((d) => [key, d] as const)),
    );
  }

  /** Reads `file` again and, if it loads and compiles beside the others, serves the new contract; else keeps the previous one. */
  reload(file: string): Promise<void> {
    const key = resolve(file);
    const run = async (): Promise<void> => {
      if (!this.docs.has(key)) return;
      try {
        const doc = await loadServedSpec(key);
        const next = await contractWith([...this.docs.values()].map((d) => (d.file === key ? doc : d)));
        this.docs.set(key, doc);
        this.use(next);
        const ops = next.operations.filter((op) => op.api === doc.api).length;
        this.log(`contract-mock: --spec ${key} reloaded (${ops} operation(s) of ${doc.api})`);
        this.emit('reload', key, next);
      } catch (e) {
        const message = (e as Error).message.replace(/^--spec [^:]*: /, '');
        this.log(`contract-mock: --spec ${key} not reloaded, keeping the previous version: ${message}`);
        this.emit('invalid', key, message);
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }

  /** Watches each file's folder (editors often write a new file and rename it over the old one), debounced per file. */
  watch(): this {
    const byDir = new Map<string, Set<string>>();
    for (const key of this.docs.keys())
      if (!isSpecUrl(key)) byDir.set(dirname(key), (byDir.get(dirname(key)) ?? new Set()).add(basename(key)));
    for (const [dir, names] of byDir) this.watcher.watch(dir, (name) => names.has(name));
    return this;
  }

  close(): void {
    this.watcher.close();
  }
}
