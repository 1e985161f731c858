/**
 * Checks a declared collection's seed records: each carries the collection's key and, with its defaults, meets the
 * collection's schema (fields the schema requires of a request but a record does not store, and fields generated
 * from `generate`, may be left out). Knows nothing of the rest of the declarations (mock-state-checks.ts).
 */
import type { Ajv2020, ErrorObject } from 'ajv/dist/2020.js';
import type { CollectionDecl } from './mock-state.js';
import type { MockStateProblem } from './mock-state-checks.js';
import type { JsonObject } from './types.js';

/** The property an error is about: the missing one of `required`, the extra one of `additionalProperties`. */
const propertyOf = (e: ErrorObject): string | undefined =>
  e.instancePath === ''
    ? ((e.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ??
      (e.params as { additionalProperty?: string }).additionalProperty)
    : undefined;

export function seedProblems(
  c: CollectionDecl,
  schema: JsonObject | undefined,
  generate: JsonObject | undefined,
  ajv: Ajv2020,
): MockStateProblem[] {
  const problems: MockStateProblem[] = [];
  const generated = new Set(Object.keys((generate?.['properties'] ?? {}) as JsonObject));
  const excused = new Set([...(c.notStored ?? []), ...(c.alsoStored ?? []), ...generated]);
  let validate: ReturnType<Ajv2020['compile']> | undefined;
  try {
    validate = schema ? ajv.compile(schema) : undefined;
  } catch {
    validate = undefined; // a schema that cannot compile is reported by the contract's own checks
  }
  c.seed.forEach((record, i) => {
    const at = `${c.at}/seed/${i}`;
    if (record[c.key] === undefined && !generated.has(c.key)) {
      problems.push({
        at,
        severity: 'error',
        message: `collection ${c.name}: seed record ${i} has no key field "${c.key}": give it ${c.key}: VALUE`,
      });
      return;
    }
    if (!validate || validate({ ...c.defaults, ...record })) return;
    const errors = (validate.errors ?? []).filter((e) => {
      const p = propertyOf(e);
      return !(p !== undefined && excused.has(p));
    });
    if (errors.length)
      problems.push({
        at,
        severity: 'error',
        message: `collection ${c.name}: seed record ${i} does not meet schema ${c.schema}: ${errors
          .slice(0, 3)
          .map((e) => `${e.instancePath || 'record'} ${e.message}`)
          .join('; ')}: correct the record, or list the field in notStored`,
      });
  });
  return problems;
}
