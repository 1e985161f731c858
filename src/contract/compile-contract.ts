/**
 * Compiles the loaded specs once, at start-up, into what the request path needs: one `Operation`
 * per documented method+path with its ajv validators, each API's `Dialect`, and the route table.
 * A `serve --spec` document's operations compile their validators on first use (lazy-compile.ts).
 * Nothing here runs per request.
 */
import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { Dialect } from './dialect.js';
import { buildRouteTable, type RouteTable } from './match-route.js';
import { compileServedSpec } from './compile-served-spec.js';
import { compileEnvelopeSpec, declaresDialect } from './compile-envelope-spec.js';
import type { SpecDocument } from './load-specs.js';
import { integerFormats } from './integer-formats.js';
import { linearRegExpEngine, type UncheckedPattern } from './linear-regexp.js';
import { LazyCompiles } from './lazy-compile.js';
import type { ApiName, DocumentProblem, JsonObject, Operation } from './types.js';

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
  /** Patterns of served documents that RE2 cannot run (lookaround, backreference): not checked (linear-regexp.ts). Reading it compiles every served operation. */
  readonly uncheckedPatterns: Array<UncheckedPattern & { file: string }>;
  /** Served documents' own faults: examples that break their schema, schemas that cannot be compiled (serve warns, lint --spec reports). Reading it compiles every served operation. */
  readonly documentProblems: DocumentProblem[];
  /** Served operations compiled on first use, and the faults found so far without compiling the rest. */
  lazy: LazyCompiles;
}

export { FORM, JSON_TYPE, type ValidatorSource } from './compile-parts.js';
import type { ValidatorSource } from './compile-parts.js';

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

export function compileContract(specs: SpecDocument[], validators?: ValidatorSource): Contract {
  let strict: Ajv2020 | undefined;
  const strictAjv = (): Ajv2020 => (strict ??= newAjv(false));
  const source = validators ?? compilingSource(strictAjv(), newAjv(true));
  // A served document's patterns run on RE2 (linear time): they come from outside the project, as do the values.
  // Served operations compile on first use, long after this loop: the key (`api/operationId:part`) names the
  // document a pattern RE2 cannot run comes from.
  const servedFiles = new Map<string, string>();
  let servedFile = '';
  let regExp: ReturnType<typeof linearRegExpEngine> | undefined;
  const linearAjvs = (optimize = true): ValidatorSource => {
    regExp ??= linearRegExpEngine((p) => lazy.unchecked({ ...p, file: servedFile }));
    const code = { regExp, optimize };
    const inner = compilingSource(brokenRefs(newAjv(false, code)), brokenRefs(newAjv(true, code)));
    return {
      get: (kind, key, schema) => {
        servedFile = servedFiles.get(key.slice(0, key.indexOf('/'))) ?? servedFile;
        return inner.get(kind, key, schema);
      },
    };
  };
  let linear: ValidatorSource | undefined;
  const linearSource = (): ValidatorSource => (linear ??= linearAjvs());
  // serve's start-up check compiles with ajv instances of its own, dropped every few slices; their validators check
  // a few examples and are gone, so ajv does not optimise their code (its optimiser was half of GitHub's compile).
  const lazy = new LazyCompiles([], [], () => linearAjvs(false));
  const apis = new Map<ApiName, ApiContract>();
  const operations: Operation[] = [];
  const seenIds = new Map<string, string>();

  for (const spec of specs) {
    const doc = spec.document;
    if (spec.mount !== undefined) {
      const other = apis.get(spec.api);
      if (other)
        throw new Error(
          `${spec.file} and ${other.spec.file} are both named API "${spec.api}": rename one file or set info.x-api`,
        );
      refuseCollisions(apis, spec);
      servedFile = spec.file;
      servedFiles.set(spec.api, spec.file);
      // A document in the family's envelope style answers as the four do; any other, in problem+json (as Prism).
      const { dialect, operations: apiOps } = declaresDialect(doc)
        ? compileEnvelopeSpec(spec, linearSource(), seenIds)
        : // Its operationIds need be unique only within it: jira's `login` beside ios-datasyn's (issue 28's corpus).
          compileServedSpec(spec, linearSource(), new Map(), lazy);
      operations.push(...apiOps);
      apis.set(spec.api, { api: spec.api, spec, dialect, operations: apiOps });
      continue;
    }
    const { dialect, operations: apiOps } = compileEnvelopeSpec(spec, source, seenIds);
    operations.push(...apiOps);
    apis.set(spec.api, { api: spec.api, spec, dialect, operations: apiOps });
  }
  const secretNames = new Set<string>();
  for (const op of operations)
    for (const all of op.security ?? []) for (const s of all) secretNames.add(s.key.toLowerCase());
  return {
    apis,
    operations,
    mounts: [...apis.values()]
      .filter((a) => a.spec.mount)
      .map((a) => ({ prefix: a.spec.mount!, api: a.api }))
      .sort((a, b) => b.prefix.length - a.prefix.length),
    secretNames,
    get uncheckedPatterns() {
      lazy.compileAll();
      return lazy.patterns;
    },
    get documentProblems() {
      lazy.compileAll();
      return lazy.problems;
    },
    lazy,
    routes: buildRouteTable(operations),
    get ajv() {
      return strictAjv();
    },
  };
}

/** `/pets/{id}` → `/pets/{}`: templates that route the same requests compare equal. */
const shapeOf = (path: string): string => path.replace(/\{[^}]+\}/g, '{}');

const templateRegex = (path: string): RegExp =>
  new RegExp(
    `^${shapeOf(path)
      .split('{}')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );

/** A served spec that routes a request another API already routes cannot be served too: refused at start, both files named. */
function refuseCollisions(apis: Map<ApiName, ApiContract>, spec: SpecDocument): void {
  // Shapes and patterns once per path: GitHub's 900 paths against the four's took 0.4 s building them per pair.
  const paths = (list: string[]) => list.map((path) => ({ path, shape: shapeOf(path), regex: templateRegex(path) }));
  const mine = paths(Object.keys((spec.document['paths'] ?? {}) as JsonObject).map((p) => (spec.mount ?? '') + p));
  for (const api of apis.values()) {
    for (const { path: theirs, shape, regex } of paths([...new Set(api.operations.map((o) => o.path))])) {
      for (const { path, shape: myShape, regex: myRegex } of mine) {
        const same =
          myShape === shape ||
          (!path.includes('{') && regex.test(path)) ||
          (!theirs.includes('{') && myRegex.test(theirs));
        if (same)
          throw new Error(
            `${spec.file} and ${api.spec.file} both serve the path ${path}${path === theirs ? '' : ` (${theirs})`}: give one of them another servers URL`,
          );
      }
    }
  }
}
