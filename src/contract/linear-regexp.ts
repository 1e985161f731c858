/**
 * The regular-expression engine for patterns the project does not ship: a served document's `pattern` and
 * `patternProperties` (`serve --spec`), and a scenario file's `matches`. RE2 semantics through re2js (pure
 * JavaScript, no native addon): time linear in the input whatever the pattern, where V8's backtracking RegExp
 * spent 14 s on a 29-character value against `^(a+)+$` (issue 25). The four built-in specs keep V8's RegExp:
 * their patterns are ours, and it is about 16 times faster per test. Knows nothing of ajv or of scenarios.
 */
import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';

// re2js is required on first use, not imported: loading it costs 25-35 ms, and a mock without `--spec` or
// scenario patterns never needs it.
const require = createRequire(import.meta.url);
let re2js: typeof RE2JSClass | undefined;
const engine = (): typeof RE2JSClass => (re2js ??= (require('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS);

/** What a compiled pattern offers: a search anywhere in the text, as RegExp.prototype.test. */
export interface PatternTest {
  test(text: string): boolean;
}

/** A pattern compiled for linear time, or why RE2 cannot run it (a lookaround, a backreference). */
export type LinearPattern = { ok: true; pattern: PatternTest } | { ok: false; reason: string };

/**
 * Compiles a JavaScript pattern for RE2. Differences a document may notice: RE2 has no lookaround and no
 * backreference (refused here, the caller decides), `\s` is ASCII whitespace only and `.` stops only at `\n`.
 */
export function compileLinear(source: string): LinearPattern {
  try {
    const RE2JS = engine();
    const re = RE2JS.compile(RE2JS.translateRegExp(source));
    // ajv shares compiled patterns by their text (`key: rx.toString()`): each needs its own.
    return { ok: true, pattern: { test: (text) => re.test(text), toString: () => `/${source}/re2` } as PatternTest };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** A pattern RE2 cannot express, met while compiling a served document's schemas: left unchecked. */
export interface UncheckedPattern {
  pattern: string;
  reason: string;
}

/**
 * An ajv `code.regExp` engine over compileLinear. A pattern RE2 cannot express does not refuse the
 * document: it checks nothing (every value passes it) and is reported to `unchecked`, so start-up can say so.
 */
export function linearRegExpEngine(
  unchecked: (p: UncheckedPattern) => void,
): ((pattern: string, flags: string) => PatternTest) & { code: string } {
  const regExp = (pattern: string): PatternTest => {
    const compiled = compileLinear(pattern);
    if (compiled.ok) return compiled.pattern;
    unchecked({ pattern, reason: compiled.reason });
    return { test: () => true, toString: () => `/${pattern}/unchecked` } as PatternTest;
  };
  return Object.assign(regExp, { code: 'linearRegExp' });
}
