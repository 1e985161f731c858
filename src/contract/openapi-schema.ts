/**
 * Turns the schemas of a dereferenced OpenAPI 3.0 or 3.1 document into JSON Schema 2020-12 as ajv
 * and json-schema-faker read them: 3.0's `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`
 * and single `example` (in a 3.1 document too, where older habits survive), any `$ref` left in
 * place by a circular reference, and a bare `integer` (read as int64). Runs once per document.
 */
import type { JsonObject } from './types.js';

const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
const SUBSCHEMA = [
  'items',
  'not',
  'additionalProperties',
  'contains',
  'if',
  'then',
  'else',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
] as const;
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const;

/** Converts one schema in place (shared subschemas once each); returns it. */
export function toJsonSchema2020(schema: JsonObject, seen = new WeakSet<object>()): JsonObject {
  const stack: JsonObject[] = [schema];
  while (stack.length) {
    const s = stack.pop()!;
    if (!s || typeof s !== 'object' || seen.has(s)) continue;
    seen.add(s);
    if (typeof s['$ref'] === 'string') {
      // A circular reference the dereferencer left in place: accepted as any value (see docs/guides/any-document.md).
      delete s['$ref'];
    }
    convert30(s);
    for (const k of SUBSCHEMA_LISTS) if (Array.isArray(s[k])) stack.push(...(s[k] as JsonObject[]));
    for (const k of SUBSCHEMA) if (s[k] && typeof s[k] === 'object') stack.push(s[k] as JsonObject);
    for (const k of SUBSCHEMA_MAPS)
      if (s[k] && typeof s[k] === 'object') stack.push(...(Object.values(s[k] as JsonObject) as JsonObject[]));
  }
  return schema;
}

function convert30(s: JsonObject): void {
  if (s['nullable'] === true) {
    delete s['nullable'];
    if (typeof s['type'] === 'string') s['type'] = [s['type'], 'null'];
    else if (Array.isArray(s['type']) && !s['type'].includes('null')) s['type'] = [...(s['type'] as string[]), 'null'];
    if (Array.isArray(s['enum']) && !s['enum'].includes(null)) s['enum'] = [...(s['enum'] as unknown[]), null];
    if (s['type'] === undefined && !Array.isArray(s['enum'])) {
      const rest: JsonObject = { ...s };
      for (const k of Object.keys(s)) delete s[k];
      s['anyOf'] = [rest, { type: 'null' }];
    }
  } else if (s['nullable'] === false) delete s['nullable'];
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (s[flag] === true && typeof s[bound] === 'number') {
      s[flag] = s[bound];
      delete s[bound];
    } else if (s[flag] === false) delete s[flag];
  }
  if ('example' in s && !('examples' in s)) s['examples'] = [s['example']];
  delete s['example'];
  // A bare `integer` is an int64, as in the four specs: `1e20` in a JSON body is outside it, not an integer that passes.
  const type = s['type'];
  if ((type === 'integer' || (Array.isArray(type) && type.includes('integer'))) && s['format'] === undefined)
    s['format'] = 'int64';
}

/** Every schema position of a document: components, parameters, request bodies, responses and their headers. */
export function convertDocumentSchemas(doc: JsonObject): void {
  const seen = new WeakSet<object>();
  const schemaOf = (holder: unknown): void => {
    const s = (holder as JsonObject | undefined)?.['schema'];
    if (s && typeof s === 'object') toJsonSchema2020(s as JsonObject, seen);
  };
  const contentOf = (holder: unknown): void => {
    for (const media of Object.values(
      ((holder as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>,
    ))
      schemaOf(media);
  };
  for (const s of Object.values(
    ((doc['components'] as JsonObject | undefined)?.['schemas'] ?? {}) as Record<string, JsonObject>,
  )) {
    if (s && typeof s === 'object') toJsonSchema2020(s, seen);
  }
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    if (!item || typeof item !== 'object') continue;
    for (const p of (item['parameters'] ?? []) as JsonObject[]) {
      schemaOf(p);
      contentOf(p);
    }
    for (const op of Object.values(item)) {
      if (!op || typeof op !== 'object' || Array.isArray(op)) continue;
      for (const p of ((op as JsonObject)['parameters'] ?? []) as JsonObject[]) {
        schemaOf(p);
        contentOf(p);
      }
      contentOf((op as JsonObject)['requestBody']);
      for (const r of Object.values(((op as JsonObject)['responses'] ?? {}) as Record<string, JsonObject>)) {
        contentOf(r);
        for (const h of Object.values((r?.['headers'] ?? {}) as Record<string, JsonObject>)) schemaOf(h);
      }
    }
  }
}
