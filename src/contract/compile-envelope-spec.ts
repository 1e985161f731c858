/**
 * Compiles a document written in the family's envelope style (`x-dialect`, `x-error-catalog`, `x-codes`,
 * `x-param-error`, `x-auth`, `x-envelope`: specs/CONVENTIONS.md) into operations and their Dialect: the four
 * built-in APIs, and a document added with `serve --spec` that declares a dialect (mounted at its servers path).
 */
import type { ValidateFunction } from 'ajv';
import { Dialect, type DialectSource } from './dialect.js';
import type { SpecDocument } from './load-specs.js';
import type { IntegerFormat } from './exact-json.js';
import { integerFieldsOf } from './integer-fields.js';
import { compileResponses, successOf } from './compile-responses.js';
import type { AuthLocation, BodyKind, JsonField, JsonObject, Operation } from './types.js';
import { lazyValidator } from './lazy-compile.js';
import { FORM, JSON_TYPE, jsonFieldsOf, objectSchema, type ValidatorSource } from './compile-parts.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A document declares the envelope style when it has both `x-dialect` and `x-error-catalog`. */
export const declaresDialect = (doc: JsonObject): boolean =>
  typeof doc['x-dialect'] === 'object' && doc['x-dialect'] !== null && Array.isArray(doc['x-error-catalog']);

export function compileEnvelopeSpec(
  spec: SpecDocument,
  validators: ValidatorSource,
  seenIds: Map<string, string>,
): { dialect: Dialect; operations: Operation[] } {
  // A served document (not in the build cache) compiles each validator on its first use: start-up stays the four's.
  const source = spec.mount === undefined ? validators : onFirstUse(validators);
  const doc = spec.document;
  const mount = spec.mount ?? '';
  const dialect = new Dialect(spec.api, doc as unknown as DialectSource);
  const roles = (doc['x-dialect'] as DialectSource['x-dialect']).roles;
  const apiOps: Operation[] = [];
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    const shared = (item['parameters'] ?? []) as JsonObject[];
    for (const method of METHODS) {
      const raw = item[method] as JsonObject | undefined;
      if (!raw) continue;
      const operationId = raw['operationId'] as string;
      const where = `${spec.api} ${method.toUpperCase()} ${path}`;
      if (!operationId) throw new Error(`${where}: operationId is missing`);
      if (seenIds.has(operationId))
        throw new Error(`${where}: operationId ${operationId} is also used by ${seenIds.get(operationId)}`);
      seenIds.set(operationId, where);

      const params = [...shared, ...((raw['parameters'] ?? []) as JsonObject[])];
      const querySchema = objectSchema(params.filter((p) => p['in'] === 'query'));
      const pathSchema = objectSchema(params.filter((p) => p['in'] === 'path'));
      const requestBody = raw['requestBody'] as JsonObject | undefined;
      const content = (requestBody?.['content'] ?? {}) as Record<string, JsonObject>;
      let bodyKind: BodyKind = 'none';
      let validateBody: ValidateFunction | undefined;
      let jsonFields: JsonField[] = [];
      let formIntegers: Map<string, IntegerFormat> | undefined;
      if (content[JSON_TYPE]) {
        bodyKind = 'json';
        validateBody = source.get('strict', `${operationId}:body`, (content[JSON_TYPE]['schema'] ?? {}) as JsonObject);
      } else if (content[FORM]) {
        bodyKind = 'form';
        const schema = (content[FORM]['schema'] ?? {}) as JsonObject;
        validateBody = source.get('coercing', `${operationId}:body`, schema);
        jsonFields = jsonFieldsOf(schema, source, operationId);
        formIntegers = integerFieldsOf(schema);
      }
      // The 200's validator keeps its build-cache key (`:response`) from when it was the only one.
      const responses = compileResponses(raw, (status, schema) =>
        source.get('strict', `${operationId}:response${status === '200' ? '' : `:${status}`}`, schema),
      );
      const codes = (raw['x-codes'] ?? []) as string[];
      for (const code of codes) {
        if (!dialect.entry(code)) throw new Error(`${where}: x-codes names ${code}, which is not in x-error-catalog`);
      }
      const paramError = (raw['x-param-error'] as string | undefined) ?? roles.invalidRequest;
      const op: Operation = {
        api: spec.api,
        operationId,
        method: method.toUpperCase(),
        // A served document's paths are mounted at its servers path, as the route table matches them.
        path: mount + path,
        summary: (raw['summary'] as string | undefined) ?? operationId,
        codes,
        paramError,
        jsonError: (raw['x-json-error'] as string | undefined) ?? paramError,
        auth: raw['x-auth'] as AuthLocation | undefined,
        envelope: (raw['x-envelope'] as string | undefined) ?? 'default',
        bodyKind,
        bodyRequired: Boolean(requestBody?.['required']),
        validateQuery: querySchema ? source.get('coercing', `${operationId}:query`, querySchema) : undefined,
        validatePath: pathSchema ? source.get('coercing', `${operationId}:path`, pathSchema) : undefined,
        validateBody,
        anyJsonBody: false,
        jsonFields,
        integerFields: { query: integerFieldsOf(querySchema), path: integerFieldsOf(pathSchema), body: formIntegers },
        raw,
        dialect,
        file: spec.file,
        responses,
        success: successOf(responses),
      };
      apiOps.push(op);
    }
  }
  return { dialect, operations: apiOps };
}

/** Validators from `inner`, each compiled when first called (lazy-compile.ts's stand-in, one per validator). */
function onFirstUse(inner: ValidatorSource): ValidatorSource {
  return {
    get(kind, key, schema) {
      let real: ValidateFunction | undefined;
      return lazyValidator(
        () => void (real ??= inner.get(kind, key, schema)),
        () => real,
      );
    },
  };
}
