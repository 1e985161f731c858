/**
 * Compiling served operations on first use (issue 28, "giant documents start in seconds"): stand-ins that compile
 * their operation on first use and are then replaced by what it compiled, and the list of operations still
 * waiting, for lint and serve's start-up check to finish on their own time. Knows nothing of what is compiled.
 */
import type { DocumentProblem } from './types.js';
import type { UncheckedPattern } from './linear-regexp.js';
import type { ValidatorSource } from './compile-parts.js';
import type { ValidateFunction } from 'ajv';

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
 * The served operations compiled on first use and what compiling them found so far. Using a stand-in of an
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
 * A validator that stands in for one not compiled yet: its first call runs `compile` (which puts the real one where
 * this one was, by plain assignment, so the object keeps its shape and V8 its fast properties), then validates with
 * the real one and carries its `errors`. Once compiled, calls read the real validator: no stand-in, no check left.
 */
export function lazyValidator(compile: () => void, current: () => ValidateFunction | undefined): ValidateFunction {
  const standIn = ((data: unknown): boolean => {
    compile();
    const real = current();
    // A compile that failed before putting the real one in place validates nothing rather than looping.
    if (!real || real === standIn) return true;
    const ok = real(data) as boolean;
    standIn.errors = real.errors;
    return ok;
  }) as ValidateFunction;
  standIn.errors = null;
  return standIn;
}

/**
 * The examples of a response that break its schema, before its operation is compiled: asking `has` compiles it
 * (which puts the real set, or undefined, where this one was) and answers from what it found. Truthy, as a set of
 * broken examples is, so `response.broken ? ...` takes the branch that asks `has`.
 */
export class BrokenBeforeCompile extends Set<string> {
  constructor(
    private readonly compile: () => void,
    private readonly current: () => ReadonlySet<string> | undefined,
  ) {
    super();
  }

  override has(name: string): boolean {
    this.compile();
    const real = this.current();
    return real !== this && (real?.has(name) ?? false);
  }
}
