/** Which fields of a query, path or form schema are integers, and how wide: what exact-integer checks need (validate-request.ts). */
import type { IntegerFormat } from './exact-json.js';
import type { JsonObject } from './types.js';

/** The top-level integer properties of an object schema, with their width (a bare `integer` is int64). */
export function integerFieldsOf(schema: JsonObject | undefined): Map<string, IntegerFormat> | undefined {
  const props = (schema?.['properties'] ?? {}) as Record<string, JsonObject>;
  let out: Map<string, IntegerFormat> | undefined;
  for (const [name, s] of Object.entries(props)) {
    const type = s['type'];
    if (type === 'integer' || (Array.isArray(type) && type.includes('integer')))
      (out ??= new Map()).set(name, s['format'] === 'int32' ? 'int32' : 'int64');
  }
  return out;
}
