/** OpenAPI validity: the errors the OpenAPI parser finds in a document; says nothing of conventions or examples. */
import { validate as validateOpenApi } from '@readme/openapi-parser';
import type { JsonObject } from './types.js';

/** The first line of each error the OpenAPI parser finds in a document (none when it is valid). */
export async function openApiSchemaErrors(raw: JsonObject): Promise<string[]> {
  const result = await validateOpenApi(structuredClone(raw) as never);
  return result.valid ? [] : result.errors.map((e) => e.message.split('\n')[0] ?? e.message);
}
