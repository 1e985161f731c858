/**
 * The schema json-schema-faker is given to generate an answer from: the document's schema as ajv reads it, without
 * what ajv ignores but the faker would act on. Owns no generation (fake-data.ts) and no validation (the contract's).
 *
 * json-schema-faker reads any key it does not know in an object schema without `properties` as a property to make:
 * Azure's `x-ms-mutability: [read]` beside `additionalProperties` became a field holding that array, which the
 * document's `additionalProperties: {type: string}` refuses (issue 28, corpus suite). Keys are kept only where they
 * are JSON Schema keywords; a `number` of format int32/int64 is made an integer (the format refuses fractions).
 * A `oneOf` is generated as an `anyOf`: json-schema-faker makes a `oneOf` branch with its required fields only, so
 * branches told apart by an optional `type` enum (fire.com's relatedParty) gave `{}`, which every branch accepts;
 * one branch in full carries what tells it apart (the caller validates, and draws again when it still does not).
 */
import type { JsonObject } from '../contract/types.js';

/** JSON Schema 2020-12 keywords (and 2019's `definitions`/`dependencies`), plus json-schema-faker's own few. */
const KEYWORDS = new Set([
  '$schema',
  '$id',
  '$ref',
  '$defs',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$comment',
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  'items',
  'prefixItems',
  'contains',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minContains',
  'maxContains',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'definitions',
  'unevaluatedProperties',
  'unevaluatedItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'default',
  'examples',
  'title',
  'description',
  'readOnly',
  'writeOnly',
  'deprecated',
]);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SCHEMA_DATA = new Set(['enum', 'const', 'default', 'examples', 'required', 'dependentRequired', 'type']);

function copy(node: unknown, done: WeakMap<object, unknown>): unknown {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const known = done.get(node);
  if (known !== undefined) return known;
  const out: JsonObject = {};
  // Shared subschemas (a dereferenced document reuses them) are copied once; a cycle meets its own copy.
  done.set(node, out);
  for (const [k, v] of Object.entries(node as JsonObject)) {
    if (!KEYWORDS.has(k)) continue;
    if (SCHEMA_DATA.has(k)) out[k] = v;
    else if (SCHEMA_LISTS.has(k))
      out[k === 'oneOf' && !('anyOf' in node) ? 'anyOf' : k] = Array.isArray(v) ? v.map((s) => copy(s, done)) : v;
    else if (SCHEMA_MAPS.has(k) && v && typeof v === 'object')
      out[k] = Object.fromEntries(Object.entries(v as JsonObject).map(([name, s]) => [name, copy(s, done)]));
    else if (k === 'dependencies' && v && typeof v === 'object')
      out[k] = Object.fromEntries(
        Object.entries(v as JsonObject).map(([name, s]) => [name, Array.isArray(s) ? s : copy(s, done)]),
      );
    else out[k] = typeof v === 'object' ? copy(v, done) : v;
  }
  if (out['type'] === 'number' && (out['format'] === 'int64' || out['format'] === 'int32')) out['type'] = 'integer';
  if (typeof out['pattern'] === 'string' && typeof out['minLength'] === 'number') out['pattern'] = sized(out);
  if (Array.isArray((node as JsonObject)['oneOf']) && !('anyOf' in node))
    out['anyOf'] = exclusive(out['anyOf'] as unknown[]);
  return out;
}

/**
 * `^[0-9a-f]+$` with a minLength of 40 (GitHub's commit_sha): json-schema-faker repeats `+` at most 5 times, then pads
 * to the minLength with letters the class refuses; one class repeated says the length itself: `^[0-9a-f]{40,40}$`.
 */
function sized(s: JsonObject): string {
  const pattern = s['pattern'] as string;
  const m = /^\^(\[[^\]]+\]|\\[dw])[+*]\$$/.exec(pattern);
  if (!m) return pattern;
  const min = s['minLength'] as number;
  const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : min + 10;
  return `^${m[1]}{${min},${max}}$`;
}

/**
 * `oneOf` branches that each allow null (GitHub's validation error `value`: string, integer or array, each nullable)
 * all accept a null: the branches as generated lose their `null` so that the value made is one branch's alone.
 */
function exclusive(branches: unknown[]): unknown[] {
  const nullable = (b: unknown): boolean =>
    Array.isArray((b as JsonObject)?.['type']) && ((b as JsonObject)['type'] as unknown[]).includes('null');
  if (branches.filter(nullable).length < 2) return branches;
  return branches.map((b) => {
    if (!nullable(b)) return b;
    const types = ((b as JsonObject)['type'] as unknown[]).filter((t) => t !== 'null');
    return { ...(b as JsonObject), type: types.length === 1 ? types[0] : types };
  });
}

/**
 * The generation copy of `schema`, made once per schema object: `memo` is the caller's (a WeakMap a FakeData's
 * owner keeps), so a schema compiled once is copied once, and a schema no longer served is let go with it.
 */
export function generationSchema(schema: JsonObject, memo: WeakMap<object, unknown>): JsonObject {
  return copy(schema, memo) as JsonObject;
}
