/**
 * Compiling served operations on first use (issue 28, "giant documents start in seconds"): fields defined as
 * getters that compile their operation once and then stand as plain data properties, and the list of operations
 * still waiting, for lint and serve's start-up check to finish on their own time. Knows nothing of what is compiled.
 */
import type { DocumentProblem } from './types.js';
import type { UncheckedPattern } from './linear-regexp.js';
import type { ValidatorSource } from './compile-parts.js';

/**
 * How an operation's compile step runs: for use (its validators kept on the operation, `source` undefined), or as a
 * check only (validators from `source`, thrown away with it: only the faults are kept). `report` says whether its
 * faults are new (a check, or a compile of an operation not checked yet) or known already.
 */
export type CompileStep = (mode: { source?: ValidatorSource; report: boolean }) => void;

interface Waiting {
  operationId: string;
  state: 'waiting' | 'checked' | 'compiled';
  step: CompileStep;
}

/**
 * The served operations compiled on first use and what compiling them found so far. Reading a lazy field of an
 * operation compiles it; `compileAll` compiles every one now (lint); `checkFor` checks some within a time slice
 * (serve's start-up report, after listen) with validators it throws away, so memory stays what the calls need.
 */
export class LazyCompiles {
  readonly #all: Waiting[] = [];
  #next = 0;
  #checks: ValidatorSource | undefined;

  constructor(
    /** Faults found so far (each compiled or checked operation adds its own). */
    readonly problems: DocumentProblem[],
    /** Patterns RE2 cannot run, found so far, each once per document. */
    readonly patterns: Array<UncheckedPattern & { file: string }>,
    /** A validator source of the checks' own, kept until `forgetChecks` (then garbage). */
    private readonly checkSource: () => ValidatorSource,
  ) {}

  /** Registers an operation's compile step; returns the compile for use, which runs once whoever calls it first. */
  add(operationId: string, step: CompileStep): () => void {
    const entry: Waiting = { operationId, state: 'waiting', step };
    this.#all.push(entry);
    return () => LazyCompiles.#compile(entry);
  }

  static #compile(w: Waiting): void {
    if (w.state === 'compiled') return;
    const report = w.state === 'waiting';
    w.state = 'compiled';
    w.step({ report });
  }

  /** Notes a pattern RE2 cannot run, once per document and pattern. */
  unchecked(p: UncheckedPattern & { file: string }): void {
    if (!this.patterns.some((q) => q.file === p.file && q.pattern === p.pattern)) this.patterns.push(p);
  }

  /** The operationIds not compiled for use yet, in document order. */
  pending(): string[] {
    return this.#all.filter((w) => w.state !== 'compiled').map((w) => w.operationId);
  }

  /** Compiles every operation not compiled yet, now, for use. */
  compileAll(): void {
    for (const w of this.#all) LazyCompiles.#compile(w);
  }

  /**
   * Checks operations neither compiled nor checked yet, in document order: at least `least` of them, then more until
   * `ms` have passed; true once all are.
   */
  checkFor(ms: number, least = 1): boolean {
    if (this.#next >= this.#all.length) return true;
    const until = performance.now() + ms;
    const source = (this.#checks ??= this.checkSource());
    while (this.#next < this.#all.length) {
      const w = this.#all[this.#next++]!;
      if (w.state !== 'waiting') continue;
      w.state = 'checked';
      w.step({ source, report: true });
      if (--least <= 0 && performance.now() >= until) break;
    }
    if (this.#next < this.#all.length) return false;
    this.forgetChecks();
    return true;
  }

  /** Drops what the checks compiled so far (a document's shared schemas are compiled once until then). */
  forgetChecks(): void {
    this.#checks = undefined;
  }
}

/**
 * Defines `keys` of `target` as getters that run `compile` (which sets each with `settle`) and return the value
 * then set: after the first read they are plain data properties, so the request path reads them as an eagerly
 * compiled operation's, with no check left behind.
 */
export function lazyFields<T extends object>(
  target: T,
  keys: ReadonlyArray<keyof T & string>,
  compile: () => void,
): void {
  for (const key of keys)
    Object.defineProperty(target, key, {
      configurable: true,
      enumerable: true,
      get() {
        compile();
        // Settled by compile; a compile that failed before settling it leaves no value rather than a loop.
        const settled = Object.getOwnPropertyDescriptor(target, key);
        return settled && 'value' in settled ? settled.value : undefined;
      },
    });
}

/** Sets a field defined by lazyFields to its compiled value, as a plain data property. */
export function settle<T extends object>(target: T, key: keyof T & string, value: unknown): void {
  Object.defineProperty(target, key, { configurable: true, enumerable: true, writable: true, value });
}
