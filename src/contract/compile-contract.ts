/**
 * Compiles the loaded specs once, at start-up, into what the request path needs: one `Operation`
 * per documented method+path with its ajv validators, each API's `Dialect`, and the route table.
 * Nothing here runs per request.
 */
import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { Dialect, type DialectSource } from './dialect.js';
import { buildRouteTable, type RouteTable } from './match-route.js';
import { compileServedSpec } from './compile-served-spec.js';
import { compileResponses, successOf } from './compile-responses.js';
import type { SpecDocument } from './load-specs.js';
import type { IntegerFormat } from './exact-json.js';
import { integerFieldsOf } from './integer-fields.js';
import { integerFormats } from './integer-formats.js';
import { linearRegExpEngine, type UncheckedPattern } from './linear-regexp.js';
import type { ApiName, AuthLocation, BodyKind, DocumentProblem, JsonField, JsonObject, Operation } from './types.js';

export interface ApiContract {
  api: ApiName;
  spec: SpecDocument;
  dialect: Dialect;
  operations: Operation[];
}

export interface Contract {
  apis: Map<ApiName, ApiContract>;
  /** Mount paths of served specs (longest first), so a path under one that matches nothing is that API's 404. */
  mounts: Array<{ prefix: string; api: ApiName }>;
  /** Lower-case header, query and cookie names that carry a served spec's API keys (the journal masks them). */
  secretNames: Set<string>;
  operations: Operation[];
  routes: RouteTable;
  /** An ajv instance like the one the contract compiles with; tools compile extra schemas on it (created on first use). */
  readonly ajv: Ajv2020;
  /** Patterns of served documents that RE2 cannot run (lookaround, backreference): not checked (linear-regexp.ts). */
  uncheckedPatterns: Array<UncheckedPattern & { file: string }>;
  /** Served documents' own faults: examples that break their schema, schemas that cannot be compiled (serve warns, lint --spec reports). */
  documentProblems: DocumentProblem[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

// ajv is required on first use, not imported: a mock started from the build cache never compiles a schema.
const require = createRequire(import.meta.url);

export function newAjv(coerce: boolean, code: Record<string, unknown> = {}): Ajv2020 {
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = require('ajv-formats') as { default: (ajv: Ajv2020) => void };
  const ajv = new AjvClass({
    strict: false,
    allErrors: true,
    coerceTypes: coerce,
    useDefaults: false,
    // Unknown formats (served specs invent many) and ignored keywords are not worth a line on stderr each.
    logger: false,
    code: { optimize: true, ...code },
  });
  addFormats.default(ajv);
  ajv.addFormat('int32', integerFormats.int32);
  ajv.addFormat('int64', integerFormats.int64);
  ajv.addKeyword({ keyword: 'x-format', schemaType: 'string' });
  return ajv;
}

/** Where validators come from: compiled now (the default), or precompiled at build time (contract-cache.ts). */
export interface ValidatorSource {
  get(kind: 'strict' | 'coercing', key: string, schema: JsonObject): ValidateFunction;
}

/**
 * A served document's `$ref` that points nowhere is left by load-specs.ts as `{ "x-broken-ref": REF }`: a schema
 * holding one does not compile, so only the operations that use it lose that validation (compile-served-spec.ts).
 */
function brokenRefs(ajv: Ajv2020): Ajv2020 {
  ajv.addKeyword({
    keyword: 'x-broken-ref',
    compile: (ref: unknown) => {
      throw new Error(`$ref ${String(ref)} points at nothing in the document`);
    },
  });
  return ajv;
}

export function compilingSource(strict: Ajv2020, coercing: Ajv2020): ValidatorSource {
  return { get: (kind, _key, schema) => (kind === 'strict' ? strict : coercing).compile(schema) };
}

function objectSchema(params: JsonObject[]): JsonObject | undefined {
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
function jsonFieldsOf(schema: JsonObject | undefined, source: ValidatorSource, keyPrefix: string): JsonField[] {
  const props = (schema?.['properties'] ?? {}) as Record<string, JsonObject>;
  return Object.entries(props)
    .filter(([, s]) => s['contentMediaType'] === JSON_TYPE && s['contentSchema'])
    .map(([name, s]) => ({ name, validate: source.get('strict', `${keyPrefix}:json:${name}`, s['contentSchema'] as JsonObject) }));
}

export function compileContract(specs: SpecDocument[], validators?: ValidatorSource): Contract {
  let strict: Ajv2020 | undefined;
  const strictAjv = (): Ajv2020 => (strict ??= newAjv(false));
  const source = validators ?? compilingSource(strictAjv(), newAjv(true));
  // A served document's patterns run on RE2 (linear time): they come from outside the project, as do the values.
  const uncheckedPatterns: Contract['uncheckedPatterns'] = [];
  let servedFile = '';
  let linear: ValidatorSource | undefined;
  const linearSource = (): ValidatorSource => {
    if (!linear) {
      const regExp = linearRegExpEngine((p) => uncheckedPatterns.push({ ...p, file: servedFile }));
      linear = compilingSource(brokenRefs(newAjv(false, { regExp })), brokenRefs(newAjv(true, { regExp })));
    }
    return linear;
  };
  const apis = new Map<ApiName, ApiContract>();
  const operations: Operation[] = [];
  const seenIds = new Map<string, string>();
  const documentProblems: DocumentProblem[] = [];

  for (const spec of specs) {
    const doc = spec.document;
    if (spec.mount !== undefined) {
      const other = apis.get(spec.api);
      if (other) throw new Error(`${spec.file} and ${other.spec.file} are both named API "${spec.api}": rename one file or set info.x-api`);
      refuseCollisions(apis, spec);
      servedFile = spec.file;
      const { dialect, operations: apiOps } = compileServedSpec(spec, linearSource(), seenIds, documentProblems);
      operations.push(...apiOps);
      apis.set(spec.api, { api: spec.api, spec, dialect, operations: apiOps });
      continue;
    }
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
        if (seenIds.has(operationId)) throw new Error(`${where}: operationId ${operationId} is also used by ${seenIds.get(operationId)}`);
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
        const responses = compileResponses(raw, (status, schema) => source.get('strict', `${operationId}:response${status === '200' ? '' : `:${status}`}`, schema));
        const codes = (raw['x-codes'] ?? []) as string[];
        for (const code of codes) {
          if (!dialect.entry(code)) throw new Error(`${where}: x-codes names ${code}, which is not in x-error-catalog`);
        }
        const paramError = (raw['x-param-error'] as string | undefined) ?? roles.invalidRequest;
        const op: Operation = {
          api: spec.api,
          operationId,
          method: method.toUpperCase(),
          path,
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
        operations.push(op);
      }
    }
    apis.set(spec.api, { api: spec.api, spec, dialect, operations: apiOps });
  }
  const secretNames = new Set<string>();
  for (const op of operations) for (const all of op.security ?? []) for (const s of all) secretNames.add(s.key.toLowerCase());
  return {
    apis,
    operations,
    mounts: [...apis.values()].filter((a) => a.spec.mount).map((a) => ({ prefix: a.spec.mount!, api: a.api })).sort((a, b) => b.prefix.length - a.prefix.length),
    secretNames,
    uncheckedPatterns,
    documentProblems,
    routes: buildRouteTable(operations),
    get ajv() {
      return strictAjv();
    },
  };
}

/** `/pets/{id}` → `/pets/{}`: templates that route the same requests compare equal. */
const shapeOf = (path: string): string => path.replace(/\{[^}]+\}/g, '{}');

const templateRegex = (path: string): RegExp =>
  new RegExp(`^${shapeOf(path).split('{}').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);

/** A served spec that routes a request another API already routes cannot be served too: refused at start, both files named. */
function refuseCollisions(apis: Map<ApiName, ApiContract>, spec: SpecDocument): void {
  const mine = Object.keys((spec.document['paths'] ?? {}) as JsonObject).map((p) => (spec.mount ?? '') + p);
  for (const api of apis.values()) {
    for (const theirs of new Set(api.operations.map((o) => o.path))) {
      for (const path of mine) {
        const same = shapeOf(path) === shapeOf(theirs) || (!path.includes('{') && templateRegex(theirs).test(path)) || (!theirs.includes('{') && templateRegex(path).test(theirs));
        if (same) throw new Error(`${spec.file} and ${api.spec.file} both serve the path ${path}${path === theirs ? '' : ` (${theirs})`}: give one of them another servers URL`);
      }
    }
  }
}
