/**
 * serve's start-up report of the served documents' own faults (issue 28): examples that break their schema, schemas
 * that cannot be compiled, patterns RE2 cannot run. Served operations compile on first use, so the report is made
 * after listen, in short slices between calls, each fault printed as it is found; what the check compiles is
 * dropped every few slices. A small document (50 operations) is done in the first slice, at once. Prints nothing else.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Contract } from '../contract/compile-contract.js';

/** Faults named one line each before the rest are counted (lint --spec lists every one). */
const SHOWN = 20;
/** How long one slice may hold the event loop: a call arriving meanwhile waits at most this, plus one operation. */
const SLICE_MS = 20;
/** Operations the first slice checks whatever the clock says: a document this small is reported at once, always. */
const AT_ONCE = 50;
/** Slices between two full collections of what the check compiled, dropped just before. */
const SLICES_PER_GC = 10;

/**
 * A full collection on demand. What the check compiled is garbage once dropped, but V8 lets the heap grow to a few
 * times the live set before it collects: GitHub's check held 350-540 MB RSS without this; with a collection every
 * 25 slices it reached 410 MB, with one every 10 slices 295 MB at most (sampled each second). Not used past it.
 */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface DocumentCheck {
  /** Resolves once every served operation is checked (or the check is stopped). */
  done: Promise<void>;
  /** Stops checking (shutdown). */
  stop(): void;
}

/** Starts the report: the first slice now, the rest after the calls waiting in between. */
export function checkServedDocuments(contract: Contract, warn: (line: string) => void): DocumentCheck {
  const { lazy } = contract;
  const started = performance.now();
  let patterns = 0;
  let problems = 0;
  let slices = 0;
  let timer: NodeJS.Immediate | undefined;
  let gc: (() => void) | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const flush = (): void => {
    // A served document's pattern RE2 cannot run is left unchecked (docs/guides/any-document.md, "Patterns in linear time").
    for (const p of lazy.patterns.slice(patterns))
      warn(
        `contract-mock: ${p.file}: pattern ${JSON.stringify(p.pattern)} is not checked (RE2, linear time, cannot run it: ${p.reason})`,
      );
    patterns = lazy.patterns.length;
    for (const p of lazy.problems.slice(problems, SHOWN))
      warn(`contract-mock: warning: ${p.message} (at ${p.pointer})`);
    problems = lazy.problems.length;
  };
  const slice = (): void => {
    timer = undefined;
    slices++;
    const finished = lazy.checkFor(SLICE_MS, slices === 1 ? AT_ONCE : 1);
    if (slices % SLICES_PER_GC === 0) {
      lazy.forgetChecks();
      (gc ??= collector())();
    }
    flush();
    if (!finished) {
      timer = setImmediate(slice);
      return;
    }
    if (problems > SHOWN)
      warn(
        `contract-mock: warning: ${problems - SHOWN} more faults of the served documents; contract-mock lint --spec FILE lists them all`,
      );
    if (slices > 1) {
      // What the last slices compiled goes too, so the mock settles at what its calls need.
      (gc ??= collector())();
      warn(
        `contract-mock: checked the served documents after start in ${((performance.now() - started) / 1000).toFixed(1)} s: ${problems} faults`,
      );
    }
    finish();
  };
  slice();
  return {
    done,
    stop: () => {
      if (timer) clearImmediate(timer);
      timer = undefined;
      finish();
    },
  };
}
