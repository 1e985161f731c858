/**
 * Schema violations as data: ajv's errors turned into `Violation`s a person can read (the closest branch of a
 * oneOf, exact-integer messages, no duplicates). Knows nothing of requests or answers.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { exactJson, type IntegerFormat } from './exact-json.js';
import { joinPointer } from './json-pointer.js';
import type { Violation } from './types.js';

/** One violation per pointer and message: a schema can say the same thing twice (oneOf branches, type and format). */
function unique(found: Violation[]): Violation[] {
  if (found.length < 2) return found;
  const seen = new Set<string>();
  return found.filter((v) => {
    const key = `${v.pointer}\u0000${v.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Keeps, for each failed `oneOf` / `anyOf`, only the errors of its closest branch (the one with the
 * fewest), and drops the combinator's own "must match a schema" line when a branch explains it: the
 * other branches' complaints (`/body/secret is not a documented field` for a renewal) are noise.
 */
export function closestBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  let kept = [...errors];
  const combinators = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const c of combinators) {
    if (!kept.includes(c)) continue;
    const prefix = `${c.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      const list = branches.get(branch);
      if (list) list.push(e);
      else branches.set(branch, [e]);
    }
    if (!branches.size) continue;
    let best: ErrorObject[] | undefined;
    for (const list of branches.values()) if (!best || list.length < best.length) best = list;
    kept = kept.filter((e) => e !== c && (!e.schemaPath.startsWith(prefix) || best!.includes(e)));
  }
  return kept;
}

/** What an integer outside its width is told: `is outside int64 (-9223372036854775808 to 9223372036854775807)`. */
export function outsideMessage(format: IntegerFormat): string {
  return `is outside ${format} (${format === 'int32' ? '-2147483648 to 2147483647' : '-9223372036854775808 to 9223372036854775807'})`;
}

const isIntegerFormat = (e: ErrorObject): boolean =>
  e.keyword === 'format' &&
  ((e.params as { format?: string }).format === 'int32' || (e.params as { format?: string }).format === 'int64');

function ajvViolations(errors: ErrorObject[] | null | undefined, base: string, side: Violation['side']): Violation[] {
  let list = errors ?? [];
  // A value that is not an integer at all is told so once: its int32/int64 format failure says nothing more.
  if (list.some(isIntegerFormat))
    list = list.filter(
      (e) => !isIntegerFormat(e) || !list.some((t) => t.keyword === 'type' && t.instancePath === e.instancePath),
    );
  return (list.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf') ? closestBranches(list) : list).map((e) => {
    let pointer = base + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (isIntegerFormat(e)) {
      message = outsideMessage((e.params as { format: IntegerFormat }).format);
    } else if (e.keyword === 'required') {
      pointer += joinPointer((e.params as { missingProperty: string }).missingProperty);
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      pointer += joinPointer(extra);
      message = 'is not a documented field';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    }
    return { side, pointer, message, rule: e.keyword };
  });
}

/**
 * The violations of a value its validator just refused. One holding BigInts (exact integers beyond 2^53)
 * is judged again on its validation copy (exact-json.ts), so only the failure path pays for them.
 * `flagged` pointers already have their own violation and get no second one from the schema.
 */
export function failures(
  validate: ValidateFunction,
  data: unknown,
  base: string,
  side: Violation['side'],
  flagged?: Set<string>,
): Violation[] {
  const outside: string[] = [];
  if (exactJson.holdsBigInt(data) && validate(exactJson.forValidation(data, outside))) return [];
  const found = ajvViolations(validate.errors, base, side);
  if (outside.length) {
    const beyond = new Set(outside.map((p) => base + p));
    for (const v of found) if (beyond.has(v.pointer)) v.message = outsideMessage('int64');
  }
  return unique(flagged?.size ? found.filter((v) => !flagged.has(v.pointer)) : found);
}
