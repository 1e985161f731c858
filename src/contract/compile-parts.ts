/** Pieces every document compiler shares: media type names, the validator source, parameter and form-field schemas. */
import type { ValidateFunction } from 'ajv';
import type { JsonField, JsonObject } from './types.js';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** Where validators come from: compiled now (the default), or precompiled at build time (contract-cache.ts). */
export interface ValidatorSource {
  get(kind: 'strict' | 'coercing', key: string, schema: JsonObject): ValidateFunction;
}

/** Parameters of one location as an object schema (undefined for none). */
export function objectSchema(params: JsonObject[]): JsonObject | undefined {
  if (params.length === 0) return undefined;
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const p of params) {
    properties[p['name'] as string] = p['schema'] ?? {};
    if (p['required']) required.push(p['name'] as string);
  }
  return { type: 'object', properties, required };
}

/** Form fields that carry JSON: `contentMediaType: application/json` with a `contentSchema`. */
export function jsonFieldsOf(schema: JsonObject | undefined, source: ValidatorSource, keyPrefix: string): JsonField[] {
  const props = (schema?.['properties'] ?? {}) as Record<string, JsonObject>;
  return Object.entries(props)
    .filter(([, s]) => s['contentMediaType'] === JSON_TYPE && s['contentSchema'])
    .map(([name, s]) => ({
      name,
      validate: source.get('strict', `${keyPrefix}:json:${name}`, s['contentSchema'] as JsonObject),
    }));
}
