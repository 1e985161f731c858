/**
 * Compiles a document added with `serve --spec` into operations the one pipeline serves: the mounted
 * route, request validators, every declared response with its validator and examples, the security
 * requirements, and its Dialect (RFC 9457 problem+json at real HTTP statuses). Routes and shapes are built at
 * start-up; each operation's validators and example checks on its first use (lazy-compile.ts: GitHub's 1,242
 * operations took 19 s to compile up front). The document's own faults stay its own (issue 28): an example that
 * breaks its schema is marked and reported, a schema that cannot be compiled leaves its operation unvalidated
 * there, both as DocumentProblems.
 */
import { ProblemDialect, type DialectSource } from './dialect.js';
import type { SpecDocument } from './load-specs.js';
import { inferRestRoles, type ShapeInput } from './rest-shape.js';
import { integerFieldsOf } from './integer-fields.js';
import type {
  BodyKind,
  CatalogEntry,
  DeclaredResponse,
  DocumentProblem,
  JsonObject,
  Operation,
  SecurityScheme,
} from './types.js';
import { compileResponses, hasValidator, isJsonMedia, successOf } from './compile-responses.js';
import { joinPointer } from './json-pointer.js';
import { BrokenBeforeCompile, lazyValidator, type LazyCompiles } from './lazy-compile.js';
import type { ValidateFunction } from 'ajv';

export const SERVED_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** A validator source as compile-contract.ts passes it. */
interface Validators {
  get(kind: 'strict' | 'coercing', key: string, schema: JsonObject): ValidateFunction;
}

const ERRORS: Array<[number, string, string]> = [
  [400, 'Bad Request', 'the request breaks the contract'],
  [401, 'Unauthorized', 'the request does not meet a security requirement of the operation'],
  [404, 'Not Found', 'no documented path or no such item'],
  [405, 'Method Not Allowed', 'the path does not document this method'],
  [422, 'Unprocessable Entity', 'the request breaks the contract'],
  [500, 'Internal Server Error', 'the mock failed on this call'],
  [503, 'Service Unavailable', 'a limit of the mock was reached'],
];

/** The Dialect of a served spec: its errors are problem documents whose `status` is the HTTP status they answer with. */
export function servedDialect(api: string): ProblemDialect {
  const catalog: CatalogEntry[] = ERRORS.map(([status, title, meaning]) => ({
    key: String(status),
    code: String(status),
    message: meaning,
    meaning,
    body: { type: 'about:blank', title, status, detail: meaning },
  }));
  const source: DialectSource = {
    'x-dialect': {
      codePointers: [],
      messagePointer: '/detail',
      successCodes: [],
      roles: { invalidRequest: '422', methodNotAllowed: '405', unauthorized: '401', serverError: '500' },
      envelopes: {
        default: {
          success: '{{data}}',
          error: { type: 'about:blank', title: '{{message}}', status: '{{code:int}}', detail: '{{message}}' },
        },
      },
    },
    'x-error-catalog': catalog,
  };
  return new ProblemDialect(api, source);
}

/** An operationId for an operation the document leaves unnamed: `GET /pets/{id}` → `get-pets-id`. */
function syntheticId(method: string, path: string): string {
  return `${method}${path
    .replace(/[{}]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/-+$/, '')}`;
}

/** The security alternatives an operation's requirements ask of a request, or undefined when one asks nothing. */
function securityOf(requirements: unknown, schemes: Record<string, JsonObject>): SecurityScheme[][] | undefined {
  if (!Array.isArray(requirements) || requirements.length === 0) return undefined;
  const alternatives: SecurityScheme[][] = [];
  for (const requirement of requirements as JsonObject[]) {
    const all: SecurityScheme[] = [];
    for (const name of Object.keys(requirement ?? {})) {
      const s = schemes[name];
      // A scheme the document does not define cannot be checked (lint reports it): nothing to ask of the request.
      if (!s) continue;
      const type = String(s['type']);
      if (type === 'apiKey') {
        const at = s['in'] === 'query' || s['in'] === 'cookie' ? s['in'] : 'header';
        all.push({ name, in: at, key: at === 'header' ? String(s['name']).toLowerCase() : String(s['name']) });
      } else if (type === 'http') {
        const scheme = String(s['scheme'] ?? 'bearer').toLowerCase();
        all.push({
          name,
          in: 'header',
          key: 'authorization',
          prefix: scheme === 'basic' ? 'Basic' : scheme === 'bearer' ? 'Bearer' : (s['scheme'] as string),
        });
      } else if (type === 'oauth2' || type === 'openIdConnect') {
        all.push({ name, in: 'header', key: 'authorization', prefix: 'Bearer' });
      }
      // mutualTLS is the transport's business: nothing to check in the request.
    }
    alternatives.push(all);
  }
  // An alternative with nothing to check (`{}`, or mutualTLS only) lets every request through.
  return alternatives.some((a) => a.length === 0) ? undefined : alternatives;
}

function objectSchema(params: JsonObject[], lower = false): JsonObject | undefined {
  if (params.length === 0) return undefined;
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const p of params) {
    const name = lower ? String(p['name']).toLowerCase() : (p['name'] as string);
    properties[name] = p['schema'] ?? {};
    if (p['required'] || p['in'] === 'path') required.push(name);
  }
  return { type: 'object', properties, required };
}

/** Drops the `pattern`s JavaScript cannot compile in unicode mode (ajv's), so the rest of the schema still validates. */
function dropBadPatterns(schema: JsonObject, seen = new WeakSet<object>()): void {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  if (typeof schema['pattern'] === 'string') {
    try {
      new RegExp(schema['pattern'], 'u');
    } catch {
      delete schema['pattern'];
    }
  }
  for (const v of Object.values(schema)) if (v && typeof v === 'object') dropBadPatterns(v as JsonObject, seen);
}

/** What stands in for a schema that cannot be compiled: every value passes (its operation is served without that validation). */
const passAll = (schema: JsonObject): ValidateFunction =>
  Object.assign(() => true, { errors: null, schema }) as unknown as ValidateFunction;

/** Where in the operation a validator's key (`api/op:body`, `:response:200`, `:query` ...) points. */
function pointerOf(base: string, key: string): string {
  const part = key.slice(key.indexOf(':') + 1);
  if (part === 'body') return `${base}/requestBody`;
  if (part.startsWith('response:')) return `${base}/responses${joinPointer(part.slice('response:'.length))}`;
  return `${base}/parameters`;
}

/** Where in the document an operation is, for its faults. */
type Site = { file: string; operationId: string; pointer: string };

/**
 * A validator for a served schema; one ajv rejects (an invalid pattern) is retried without the bad patterns; one that
 * still cannot be compiled (a keyword's value of the wrong type, a broken $ref) degrades its operation only: no
 * validation there, and a DocumentProblem naming it (serve warns, lint --spec reports it).
 */
function tolerant(source: Validators, where: string, site: Site, problems: DocumentProblem[]): Validators {
  return {
    get(kind, key, schema) {
      try {
        return source.get(kind, key, schema);
      } catch {
        dropBadPatterns(schema);
        try {
          return source.get(kind, key, schema);
        } catch (e) {
          const part = key.slice(key.indexOf(':') + 1).replace(':', ' ');
          problems.push({
            kind: 'schema',
            file: site.file,
            operationId: site.operationId,
            pointer: pointerOf(site.pointer, key),
            message: `${where} (${site.operationId}): the ${part} schema cannot be compiled, so it is not validated: ${(e as Error).message}`,
          });
          return passAll(schema);
        }
      }
    },
  };
}

/** The response examples that break their own schema (answered only when a client names them), each reported. */
function brokenExamples(
  r: DeclaredResponse,
  validate: ValidateFunction,
  where: string,
  site: Site,
  problems: DocumentProblem[],
): Set<string> | undefined {
  if (!r.examples.size || !r.contentType) return undefined;
  let broken: Set<string> | undefined;
  for (const [name, value] of r.examples) {
    if (validate(value)) continue;
    (broken ??= new Set()).add(name);
    const errors = (validate.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    const at = name === 'example' ? ['example'] : ['examples', name, 'value'];
    problems.push({
      kind: 'example',
      file: site.file,
      operationId: site.operationId,
      pointer: `${site.pointer}${joinPointer('responses', r.status, 'content', r.contentType, ...at)}`,
      message: `${where} (${site.operationId}) response ${r.status} example "${name}" breaks its own schema (${errors}): answered only when asked for by name (Prefer: example=${name})`,
    });
  }
  return broken;
}

/** An operation's parameters: the path item's, each replaced by the operation's own of the same name and location. */
function effectiveParams(shared: JsonObject[], raw: JsonObject): JsonObject[] {
  const own = (raw['parameters'] ?? []) as JsonObject[];
  return [...shared.filter((p) => !own.some((o) => o['name'] === p['name'] && o['in'] === p['in'])), ...own];
}

/** The body an operation takes (JSON first, else a form) and the schema its validator is compiled from. */
function bodyOf(content: Record<string, JsonObject>): { bodyKind: BodyKind; bodySchema?: JsonObject } {
  const jsonType = Object.keys(content).find(isJsonMedia);
  if (jsonType) return { bodyKind: 'json', bodySchema: (content[jsonType]!['schema'] ?? {}) as JsonObject };
  const form = content['application/x-www-form-urlencoded'];
  if (form) return { bodyKind: 'form', bodySchema: (form['schema'] ?? {}) as JsonObject };
  return { bodyKind: 'none' };
}

/** The query parameters declared as arrays, with whether each is exploded (`?a=1&a=2`) or not (`?a=1,2`). */
function arrayQueryOf(params: JsonObject[]): Array<{ name: string; explode: boolean }> {
  return params
    .filter((p) => p['in'] === 'query' && [(p['schema'] as JsonObject | undefined)?.['type']].flat().includes('array'))
    .map((p) => ({ name: String(p['name']), explode: p['explode'] !== false }));
}

/** The header parameters an operation validates (Accept, Content-Type and Authorization are the pipeline's own). */
function headerParamsOf(params: JsonObject[]): JsonObject[] {
  return params.filter(
    (p) =>
      p['in'] === 'header' && !['accept', 'content-type', 'authorization'].includes(String(p['name']).toLowerCase()),
  );
}

/**
 * The route an operation is mounted at, as the route table matches it: `/ds-api/` is `/ds-api`. A fragment in a path
 * key (AWS documents write `/tags#resourceArn` to tell operations apart) is never sent by a client, so it is no part.
 */
function mountedPath(mount: string, key: string): string {
  const path = key.replace(/#.*$/, '');
  return (mount + path).length > 1 ? (mount + path).replace(/\/+$/, '') || '/' : mount + path;
}

/** What every operation of one served document shares while it is compiled. */
interface ServedContext {
  spec: SpecDocument;
  dialect: ProblemDialect;
  schemes: Record<string, JsonObject>;
  validators: Validators;
  lazy: LazyCompiles;
}

/** The schemas an operation validates a request against: query, path, body and header parameters. */
interface RequestSchemas {
  query?: JsonObject;
  path?: JsonObject;
  body?: { kind: BodyKind; schema: JsonObject };
  headers?: JsonObject;
}

/**
 * Gives the operation and its responses stand-ins for their validators and broken examples, which compile all of
 * them at once on first use: body, responses and their examples, query, path, headers (the order faults are
 * reported in), each then put in its stand-in's place. Run as a check (serve's start-up report), the same step
 * keeps the faults only.
 */
function compileOnFirstUse(
  ctx: ServedContext,
  op: Operation,
  schemas: RequestSchemas,
  where: string,
  site: Site,
): void {
  const key = `${op.api}/${op.operationId}`;
  const checked = [...op.responses.values()].filter(hasValidator);
  const headers = op.headerParams;
  const compile = ctx.lazy.add(op.operationId, (mode) => {
    const problems = mode.report ? ctx.lazy.problems : [];
    const source = tolerant(mode.source ?? ctx.validators, where, site, problems);
    const kind = schemas.body?.kind === 'form' ? 'coercing' : 'strict';
    const body = schemas.body && source.get(kind, `${key}:body`, schemas.body.schema);
    const responses = checked.map((r) => source.get('strict', `${key}:response:${r.status}`, r.schema));
    const broken = checked.map((r, i) => brokenExamples(r, responses[i]!, where, site, problems));
    const query = schemas.query && source.get('coercing', `${key}:query`, schemas.query);
    const path = schemas.path && source.get('coercing', `${key}:path`, schemas.path);
    const header = schemas.headers && source.get('coercing', `${key}:headers`, schemas.headers);
    if (mode.source) return;
    Object.assign(op, { validateBody: body, validateQuery: query, validatePath: path });
    if (headers && header) headers.validate = header;
    checked.forEach((r, i) => Object.assign(r, { validate: responses[i], broken: broken[i] }));
  });
  if (schemas.body) op.validateBody = lazyValidator(compile, () => op.validateBody);
  if (schemas.query) op.validateQuery = lazyValidator(compile, () => op.validateQuery);
  if (schemas.path) op.validatePath = lazyValidator(compile, () => op.validatePath);
  if (headers) headers.validate = lazyValidator(compile, () => headers.validate);
  for (const r of checked) {
    r.validate = lazyValidator(compile, () => r.validate);
    r.broken = r.examples.size ? new BrokenBeforeCompile(compile, () => r.broken) : undefined;
  }
}

/** One operation of a served document: its route, parameters, responses and security now, its validators on first use. */
function compileServedOperation(
  ctx: ServedContext,
  at: { path: string; method: string; operationId: string; where: string },
  raw: JsonObject,
  params: JsonObject[],
): Operation {
  const { spec, dialect } = ctx;
  const { path, method, operationId, where } = at;
  const site = { file: spec.file, operationId, pointer: joinPointer('paths', path, method) };
  const querySchema = objectSchema(params.filter((p) => p['in'] === 'query'));
  const pathSchema = objectSchema(params.filter((p) => p['in'] === 'path'));
  const requestBody = raw['requestBody'] as JsonObject | undefined;
  const content = (requestBody?.['content'] ?? {}) as Record<string, JsonObject>;
  const { bodyKind, bodySchema } = bodyOf(content);
  const responses = compileResponses(raw);
  const arrayQuery = arrayQueryOf(params);
  const headerParams = headerParamsOf(params);
  const headerSchema = objectSchema(headerParams, true);
  const op: Operation = {
    api: spec.api,
    operationId,
    method: method.toUpperCase(),
    path: mountedPath(spec.mount ?? '', path),
    summary: (raw['summary'] as string | undefined) ?? operationId,
    codes: [],
    paramError: '422',
    jsonError: '422',
    envelope: 'default',
    bodyKind,
    bodyRequired: Boolean(requestBody?.['required']),
    validateQuery: undefined,
    validatePath: undefined,
    validateBody: undefined,
    integerFields: {
      query: integerFieldsOf(querySchema),
      path: integerFieldsOf(pathSchema),
      body: bodyKind === 'form' ? integerFieldsOf(bodySchema) : undefined,
    },
    anyJsonBody: true,
    jsonFields: [],
    raw,
    dialect,
    file: spec.file,
    responses,
    // An operation that documents no success answers its first documented response, as Prism does.
    success: successOf(responses),
    security: securityOf(raw['security'] ?? spec.document['security'], ctx.schemes),
    ...(arrayQuery.length && { arrayQuery }),
    ...(headerSchema && {
      headerParams: {
        names: headerParams.map((p) => String(p['name']).toLowerCase()),
        validate: passAll(headerSchema),
      },
    }),
  };
  const body = bodySchema && { kind: bodyKind, schema: bodySchema };
  compileOnFirstUse(ctx, op, { query: querySchema, path: pathSchema, body, headers: headerSchema }, where, site);
  return op;
}

/** The operations of one served document, mounted at its `servers` path; `lazy` holds their compile steps. */
export function compileServedSpec(
  spec: SpecDocument,
  validators: Validators,
  seenIds: Map<string, string>,
  lazy: LazyCompiles,
): { dialect: ProblemDialect; operations: Operation[] } {
  const doc = spec.document;
  const schemes = ((doc['components'] as JsonObject | undefined)?.['securitySchemes'] ?? {}) as Record<
    string,
    JsonObject
  >;
  const ctx: ServedContext = { spec, dialect: servedDialect(spec.api), schemes, validators, lazy };
  const ops: Operation[] = [];
  const shapes: ShapeInput[] = [];
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    if (!item || typeof item !== 'object') continue;
    const shared = (item['parameters'] ?? []) as JsonObject[];
    for (const method of SERVED_METHODS) {
      const raw = item[method] as JsonObject | undefined;
      if (!raw || typeof raw !== 'object') continue;
      const where = `${spec.file}: ${method.toUpperCase()} ${path}`;
      const operationId =
        typeof raw['operationId'] === 'string' && raw['operationId'] ? raw['operationId'] : syntheticId(method, path);
      if (seenIds.has(operationId))
        throw new Error(`${where}: operationId ${operationId} is also used by ${seenIds.get(operationId)}`);
      seenIds.set(operationId, where);
      const params = effectiveParams(shared, raw);
      const op = compileServedOperation(ctx, { path, method, operationId, where }, raw, params);
      ops.push(op);
      shapes.push({
        op,
        params,
        stateOff: item['x-mock-state'] === false || raw['x-mock-state'] === false,
        strict: [doc, item, raw].some((o) => o['x-mock-state'] === 'strict'),
      });
    }
  }
  if (ops.length === 0) throw new Error(`${spec.file}: the document has no operations to serve`);
  inferRestRoles(shapes);
  return { dialect: ctx.dialect, operations: ops };
}
