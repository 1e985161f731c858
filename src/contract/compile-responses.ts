/**
 * An operation's declared responses, compiled once for every document alike: the media type answered, its
 * schema and validator, its examples, and which one is the success. Knows nothing of how an answer is made.
 */
import type { ValidateFunction } from 'ajv';
import type { DeclaredResponse, JsonObject } from './types.js';

export const isJsonMedia = (type: string): boolean =>
  /^application\/(?:[\w.+-]+\+)?json\b/i.test(type) || type === '*/*';

/** The media type a response is answered in: a JSON one when declared, else the first. */
function pickMedia(content: Record<string, JsonObject>): string | undefined {
  const types = Object.keys(content);
  return types.find((t) => t.toLowerCase().startsWith('application/json')) ?? types.find(isJsonMedia) ?? types[0];
}

/** Named examples (`examples.*.value`), then `example` under the name `example`. */
function examplesOf(media: JsonObject | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, ex] of Object.entries((media?.['examples'] ?? {}) as Record<string, JsonObject>)) {
    if (ex && typeof ex === 'object' && 'value' in ex) out.set(name, ex['value']);
  }
  if (media && 'example' in media) out.set('example', media['example']);
  return out;
}

/** Whether a response is validated: it has a schema, answered in a JSON media type. */
export const hasValidator = (r: DeclaredResponse): r is DeclaredResponse & { schema: JsonObject } =>
  Boolean(r.schema && r.contentType && isJsonMedia(r.contentType));

/**
 * Every response the operation declares, by status as written. `validator` compiles a JSON response's schema
 * (it is given the status, so a build-time cache can key it); a response without a JSON schema has no validator.
 * Without `validator` none is compiled here: a served document compiles them on first use (compile-served-spec.ts).
 */
export function compileResponses(
  raw: JsonObject,
  validator?: (status: string, schema: JsonObject) => ValidateFunction,
): Map<string, DeclaredResponse> {
  const responses = new Map<string, DeclaredResponse>();
  for (const [status, response] of Object.entries((raw['responses'] ?? {}) as Record<string, JsonObject>)) {
    const media = (response?.['content'] ?? {}) as Record<string, JsonObject>;
    const contentType = pickMedia(media);
    const schema = contentType ? (media[contentType]!['schema'] as JsonObject | undefined) : undefined;
    responses.set(status, {
      status,
      contentType,
      schema,
      validate: validator && schema && contentType && isJsonMedia(contentType) ? validator(status, schema) : undefined,
      examples: examplesOf(contentType ? media[contentType] : undefined),
    });
  }
  return responses;
}

/** The example a response answers with unless one is named: its first that meets its schema (`broken` holds the rest). */
export function defaultExampleName(response: DeclaredResponse): string | undefined {
  for (const name of response.examples.keys()) if (!response.broken?.has(name)) return name;
  return undefined;
}

/** The success response: the lowest declared 2xx, else `2XX`, `default`, the first that is not 1xx, else an empty 200 (as Prism answers). */
export function successOf(responses: Map<string, DeclaredResponse>): DeclaredResponse {
  const twoXX = [...responses.keys()].filter((s) => /^2\d\d$/.test(s)).sort();
  return (
    responses.get(twoXX[0] ?? '') ??
    responses.get('2XX') ??
    responses.get('default') ??
    [...responses.values()].find((r) => !/^1/.test(r.status)) ?? { status: '200', examples: new Map() }
  );
}
