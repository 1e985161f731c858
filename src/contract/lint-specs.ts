/**
 * Spec lint: every spec is valid OpenAPI 3.1, passes Spectral's `spectral:oas` ruleset with no
 * errors, has unique operationIds and follows specs/CONVENTIONS.md, and every example validates
 * against its schema (JSON carried in form fields included). Messages name file:line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import { parseDocument } from 'yaml';
import { lineOf } from './yaml-lines.js';
import { compileContract, FORM, JSON_TYPE } from './compile-contract.js';
import { joinPointer, splitPointer } from './json-pointer.js';
import { defaultSpecsDir, isSpecUrl, loadServedSpec, loadSpecs, packageRoot, type SpecDocument } from './load-specs.js';
import type { JsonObject } from './types.js';

export interface LintMessage {
  file: string;
  line: number;
  pointer: string;
  severity: 'error' | 'warning';
  rule: string;
  message: string;
}

export { lineOf };

export interface ExampleSite {
  pointer: string;
  schema: JsonObject;
  value: unknown;
  form: boolean;
}

/** Every `example` / `examples.*.value` under parameters, request bodies and responses, with the schema it must meet. */
export function exampleSites(doc: JsonObject): ExampleSite[] {
  const sites: ExampleSite[] = [];
  const fromHolder = (holder: JsonObject, base: string, schema: JsonObject, form: boolean): void => {
    if ('example' in holder) sites.push({ pointer: base + '/example', schema, value: holder['example'], form });
    for (const [name, ex] of Object.entries((holder['examples'] ?? {}) as Record<string, JsonObject>)) {
      if (ex && 'value' in ex)
        sites.push({ pointer: base + joinPointer('examples', name, 'value'), schema, value: ex['value'], form });
    }
  };
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in (op as JsonObject))) continue;
      const base = joinPointer('paths', path, method);
      ((op as JsonObject)['parameters'] as JsonObject[] | undefined)?.forEach((p, i) =>
        fromHolder(p, `${base}/parameters/${i}`, (p['schema'] ?? {}) as JsonObject, true),
      );
      const content = (((op as JsonObject)['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<
        string,
        JsonObject
      >;
      for (const [mt, media] of Object.entries(content))
        fromHolder(
          media,
          `${base}/requestBody/content${joinPointer(mt)}`,
          (media['schema'] ?? {}) as JsonObject,
          mt === FORM,
        );
      for (const [status, response] of Object.entries(
        ((op as JsonObject)['responses'] ?? {}) as Record<string, JsonObject>,
      )) {
        for (const [mt, media] of Object.entries((response['content'] ?? {}) as Record<string, JsonObject>)) {
          fromHolder(
            media,
            `${base}/responses/${status}/content${joinPointer(mt)}`,
            (media['schema'] ?? {}) as JsonObject,
            false,
          );
        }
      }
    }
  }
  return sites;
}

type Ajv = ReturnType<typeof compileContract>['ajv'];

/** Whether a JSON pointer can reach a value under a (dereferenced) schema: through properties, items and every combinator branch. */
function schemaReaches(schema: JsonObject | undefined, keys: string[]): boolean {
  if (!schema) return false;
  if (!keys.length) return true;
  const [key, ...rest] = keys as [string, ...string[]];
  const props = schema['properties'] as Record<string, JsonObject> | undefined;
  if (props?.[key] && schemaReaches(props[key], rest)) return true;
  if (/^\d+$/.test(key) && schema['items'] && schemaReaches(schema['items'] as JsonObject, rest)) return true;
  return ['allOf', 'anyOf', 'oneOf'].some((c) =>
    ((schema[c] ?? []) as JsonObject[]).some((branch) => schemaReaches(branch, keys)),
  );
}

const bodySchemaOf = (holder: JsonObject | undefined): JsonObject | undefined => {
  const content = (holder?.['content'] ?? {}) as Record<string, JsonObject>;
  return (Object.values(content)[0]?.['schema'] as JsonObject | undefined) ?? undefined;
};

/**
 * OpenAPI `links` (the flows tools follow: token → sync calls, save → delete ...): each names an operation of
 * the same document, sets only parameters and body fields that operation has, and every runtime expression
 * points at something the source operation's request or 200 response can carry.
 */
export function linkProblems(doc: JsonObject): Array<{ pointer: string; message: string }> {
  const problems: Array<{ pointer: string; message: string }> = [];
  const ops = new Map<string, JsonObject>();
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const op of Object.values(item))
      if (op && typeof op === 'object' && (op as JsonObject)['operationId'])
        ops.set((op as JsonObject)['operationId'] as string, op as JsonObject);
  }
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in (op as JsonObject))) continue;
      const source = op as JsonObject;
      for (const [status, response] of Object.entries((source['responses'] ?? {}) as Record<string, JsonObject>)) {
        for (const [name, link] of Object.entries((response['links'] ?? {}) as Record<string, JsonObject>)) {
          const at = joinPointer('paths', path, method, 'responses', status, 'links', name);
          const target = ops.get(link['operationId'] as string);
          if (!target) {
            problems.push({
              pointer: at,
              message: `link ${name} names operationId ${String(link['operationId'])}, which this document does not have`,
            });
            continue;
          }
          const check = (expr: unknown, where: string): void => {
            const m = typeof expr === 'string' ? /^\$(request|response)\.body#(\/.*)?$/.exec(expr) : null;
            if (!m) {
              if (
                typeof expr !== 'string' ||
                !/^\$(url|method|statusCode|request\.(path|query|header)\.[\w-]+|response\.header\.[\w-]+)$/.test(expr)
              )
                problems.push({
                  pointer: where,
                  message: `${JSON.stringify(expr)} is not a runtime expression this checker can follow`,
                });
              return;
            }
            const schema =
              m[1] === 'request'
                ? bodySchemaOf(source['requestBody'] as JsonObject | undefined)
                : bodySchemaOf(response);
            const keys = (m[2] ?? '')
              .split('/')
              .slice(1)
              .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
            if (!schemaReaches(schema, keys))
              problems.push({
                pointer: where,
                message: `${expr}: the ${m[1]} body of ${String(source['operationId'])} has no ${m[2]}`,
              });
          };
          const targetParams = new Set(((target['parameters'] ?? []) as JsonObject[]).map((p) => p['name'] as string));
          for (const [param, expr] of Object.entries((link['parameters'] ?? {}) as Record<string, unknown>)) {
            const bare = param.replace(/^(path|query|header|cookie)\./, '');
            if (!targetParams.has(bare))
              problems.push({
                pointer: `${at}/parameters${joinPointer(param)}`,
                message: `${String(link['operationId'])} has no parameter ${bare}`,
              });
            check(expr, `${at}/parameters${joinPointer(param)}`);
          }
          const body = link['requestBody'];
          if (body !== undefined) {
            const targetBody = bodySchemaOf(target['requestBody'] as JsonObject | undefined);
            for (const [field, expr] of Object.entries(
              body && typeof body === 'object' ? (body as Record<string, unknown>) : { '': body },
            )) {
              if (field && !schemaReaches(targetBody, [field]))
                problems.push({
                  pointer: `${at}/requestBody${joinPointer(field)}`,
                  message: `${String(link['operationId'])}'s body has no field ${field}`,
                });
              check(expr, `${at}/requestBody${field ? joinPointer(field) : ''}`);
            }
          }
        }
      }
    }
  }
  return problems;
}

/** Names an example by its operation, where it sits (response status, request body, parameter) and its name: `GET /things (listThings) response 200 example "bad"`. */
export function exampleLabel(doc: JsonObject, pointer: string): string {
  const [, path = '', method = '', place = '', ...rest] = splitPointer(pointer);
  const op = ((doc['paths'] as JsonObject | undefined)?.[path] as JsonObject | undefined)?.[method] as
    JsonObject | undefined;
  const id = typeof op?.['operationId'] === 'string' ? ` (${op['operationId']})` : '';
  const where =
    place === 'responses'
      ? ` response ${rest[0]}`
      : place === 'requestBody'
        ? ' request body'
        : place === 'parameters'
          ? ` parameter ${String(((op?.['parameters'] ?? []) as JsonObject[])[Number(rest[0])]?.['name'] ?? rest[0])}`
          : '';
  const i = rest.lastIndexOf('examples');
  const name = i >= 0 ? rest[i + 1] : 'example';
  return `${method.toUpperCase()} ${path}${id}${where} example "${name}"`;
}

/** Validates one example against its schema; for form examples also each JSON-carrying field against its contentSchema. */
export function checkExample(site: ExampleSite, ajv: Ajv, coercing: Ajv): string[] {
  const problems: string[] = [];
  const validator = (site.form ? coercing : ajv).compile(site.schema);
  const value = structuredClone(site.value);
  if (!validator(value)) return (validator.errors ?? []).map((e) => `example${e.instancePath} ${e.message}`);
  if (!site.form || !value || typeof value !== 'object') return problems;
  for (const [field, fieldSchema] of Object.entries((site.schema['properties'] ?? {}) as Record<string, JsonObject>)) {
    const raw = (value as JsonObject)[field];
    if (fieldSchema['contentMediaType'] !== JSON_TYPE || typeof raw !== 'string') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      problems.push(`example field ${field} is not JSON: ${(e as Error).message}`);
      continue;
    }
    const inner = ajv.compile((fieldSchema['contentSchema'] ?? {}) as JsonObject);
    if (!inner(parsed))
      problems.push(...(inner.errors ?? []).map((e) => `example field ${field}${e.instancePath} ${e.message}`));
  }
  return problems;
}

/** A coercing ajv like the one form and query values are validated with. */
export async function coercingAjv(): Promise<Ajv> {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const addFormats = (await import('ajv-formats')).default;
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Spectral's CLI, found where it is installed: this package's own devDependency (a checkout), else the project
 * `lint` runs in (`npm i -D @stoplight/spectral-cli`, hoisted or not). It is not a runtime dependency: with its
 * rulesets it would add about 130 packages and 42 MB to every install of the mock (issue 29).
 */
export function findSpectral(root = packageRoot(), cwd = process.cwd()): string | undefined {
  for (const base of [root, cwd]) {
    try {
      const manifest = createRequire(join(base, 'package.json')).resolve('@stoplight/spectral-cli/package.json');
      const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: { spectral?: string } }).bin?.spectral;
      if (bin && existsSync(join(dirname(manifest), bin))) return join(dirname(manifest), bin);
    } catch {
      // not installed under this base
    }
  }
  return undefined;
}

/** The ruleset file `lint` gives Spectral (`extends: ["spectral:oas"]`); shipped in the package. */
export const spectralRuleset = (root = packageRoot()): string => join(root, '.spectral.yaml');

/** What `lint` says when Spectral could not run: plainly, with the two ways to get it. */
export function spectralMissing(files: string[], root = packageRoot()): string {
  const ruleset = relative(process.cwd(), spectralRuleset(root)) || spectralRuleset(root);
  const shown = files.map(shownSpec).join(' ');
  return `Spectral did not run, so spectral:oas was not checked: @stoplight/spectral-cli is not installed here. Install it in this project (npm i -D @stoplight/spectral-cli) and lint again, or run: npx @stoplight/spectral-cli lint --ruleset ${ruleset} ${shown}`;
}

function spectral(
  files: string[],
  root: string,
):
  | Array<{ file: string; line: number; rule: string; message: string; severity: 'error' | 'warning'; pointer: string }>
  | string {
  const cli = findSpectral(root);
  if (!cli) return spectralMissing(files, root);
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'lint',
      '--ruleset',
      spectralRuleset(root),
      '--format',
      'json',
      '--quiet',
      '--fail-severity',
      'error',
      ...files,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const text = run.stdout.trim();
  if (!text)
    return run.status === 0
      ? []
      : `Spectral did not run, so spectral:oas was not checked: ${cli} failed: ${run.stderr.trim()}`;
  const results = JSON.parse(text.slice(text.indexOf('['))) as Array<{
    code: string;
    message: string;
    path: string[];
    severity: number;
    source: string;
    range: { start: { line: number } };
  }>;
  return results
    .filter((r) => r.severity <= 1)
    .map((r) => ({
      file: r.source,
      line: r.range.start.line + 1,
      rule: `spectral:${r.code}`,
      message: r.message,
      severity: r.severity === 0 ? 'error' : 'warning',
      pointer: joinPointer(...r.path),
    }));
}

export async function lintSpecs(options: { dir?: string; spectral?: boolean } = {}): Promise<LintMessage[]> {
  const root = packageRoot();
  const messages: LintMessage[] = [];
  const specs = await loadSpecs(options.dir);
  // Named by where they are: `specs/` in a checkout, `node_modules/contract-mock/specs/` in a project that installed it.
  const shownDir = `${relative(process.cwd(), options.dir ?? defaultSpecsDir()) || '.'}/`;
  const docs = new Map(specs.map((s) => [s.file, parseDocument(s.text)]));
  const at = (spec: SpecDocument, m: Omit<LintMessage, 'file' | 'line'>): LintMessage => ({
    file: relative(process.cwd(), spec.file) || spec.file,
    line: lineOf(docs.get(spec.file)!, spec.text, m.pointer),
    ...m,
  });

  for (const spec of specs) {
    const result = await validateOpenApi(structuredClone(spec.raw) as never);
    if ((spec.raw['openapi'] as string | undefined)?.startsWith('3.1') !== true) {
      messages.push(
        at(spec, {
          pointer: '/openapi',
          severity: 'error',
          rule: 'openapi-3.1',
          message: `openapi must be 3.1.x, found ${String(spec.raw['openapi'])}`,
        }),
      );
    }
    if (!result.valid) {
      for (const e of result.errors)
        messages.push(
          at(spec, {
            pointer: '',
            severity: 'error',
            rule: 'openapi-schema',
            message: e.message.split('\n')[0] ?? e.message,
          }),
        );
    }
  }

  let contract: ReturnType<typeof compileContract> | undefined;
  try {
    contract = compileContract(specs);
  } catch (e) {
    // Conventions (unique operationIds across specs, x-codes in the catalogue, roles) are enforced by the compiler.
    messages.push({
      file: shownDir,
      line: 1,
      pointer: '',
      severity: 'error',
      rule: 'conventions',
      message: (e as Error).message,
    });
  }
  if (contract) {
    const coercing = await coercingAjv();
    for (const spec of specs) {
      ((spec.raw['x-error-catalog'] ?? []) as JsonObject[]).forEach((entry, i) => {
        const status = entry['x-http-status'];
        if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
          messages.push(
            at(spec, {
              pointer: `/x-error-catalog/${i}`,
              severity: 'error',
              rule: 'x-http-status',
              message: `catalogue entry ${String(entry['key'])} needs x-http-status (the HTTP status serve --http-status mapped answers it with), an integer 200-599`,
            }),
          );
        }
      });
      for (const p of linkProblems(spec.document)) messages.push(at(spec, { ...p, severity: 'error', rule: 'link' }));
      for (const site of exampleSites(spec.document)) {
        for (const message of checkExample(site, contract.ajv, coercing))
          messages.push(at(spec, { pointer: site.pointer, severity: 'error', rule: 'example-valid', message }));
      }
    }
  }

  if (options.spectral !== false) {
    const found = spectral(
      specs.map((s) => s.file),
      root,
    );
    if (typeof found === 'string')
      messages.push({
        file: shownDir,
        line: 1,
        pointer: '',
        severity: 'warning',
        rule: 'spectral-not-run',
        message: found,
      });
    else for (const r of found) messages.push({ ...r, file: relative(process.cwd(), r.file) || r.file });
  }
  return messages;
}

/** A served document as messages name it: a URL as given, a file relative to the working folder. */
const shownSpec = (file: string): string => (isSpecUrl(file) ? file : relative(process.cwd(), file) || file);

/**
 * Lints documents given to `--spec`: valid OpenAPI 3.0 / 3.1, servable beside the four (it loads, its
 * schemas compile, no path or name collides), every example meets its schema, Spectral's spectral:oas.
 */
export async function lintServedSpecs(files: string[], options: { spectral?: boolean } = {}): Promise<LintMessage[]> {
  const messages: LintMessage[] = [];
  const served: SpecDocument[] = [];
  for (const file of files) {
    const shown = shownSpec(file);
    try {
      served.push(await loadServedSpec(file));
    } catch (e) {
      messages.push({
        file: shown,
        line: 1,
        pointer: '',
        severity: 'error',
        rule: 'load',
        message: (e as Error).message,
      });
    }
  }
  const docs = new Map(served.map((s) => [s.file, parseDocument(s.text)]));
  const at = (spec: SpecDocument, m: Omit<LintMessage, 'file' | 'line'>): LintMessage => ({
    file: shownSpec(spec.file),
    line: /^\s*\{/.test(spec.text) ? 1 : lineOf(docs.get(spec.file)!, spec.text, m.pointer),
    ...m,
  });
  for (const spec of served) {
    const result = await validateOpenApi(structuredClone(spec.raw) as never);
    if (!result.valid)
      for (const e of result.errors)
        messages.push(
          at(spec, {
            pointer: '',
            severity: 'error',
            rule: 'openapi-schema',
            message: e.message.split('\n')[0] ?? e.message,
          }),
        );
  }
  let contract: ReturnType<typeof compileContract> | undefined;
  if (served.length) {
    try {
      contract = compileContract([...(await loadSpecs()), ...served]);
    } catch (e) {
      messages.push({
        file: served[0]!.file,
        line: 1,
        pointer: '',
        severity: 'error',
        rule: 'servable',
        message: (e as Error).message,
      });
    }
  }
  if (contract) {
    for (const p of contract.uncheckedPatterns) {
      const spec = served.find((s) => s.file === p.file) ?? served[0]!;
      messages.push(
        at(spec, {
          pointer: '',
          severity: 'warning',
          rule: 'pattern-unchecked',
          message: `pattern ${JSON.stringify(p.pattern)} is not checked: patterns run on RE2, in time linear in the value, and RE2 cannot run this one (${p.reason})`,
        }),
      );
    }
    // A schema that cannot be compiled degrades its operation when served (compile-served-spec.ts): an error here.
    for (const p of contract.documentProblems) {
      const spec = served.find((s) => s.file === p.file);
      if (spec && p.kind === 'schema')
        messages.push(at(spec, { pointer: p.pointer, severity: 'error', rule: 'schema-compile', message: p.message }));
    }
    const coercing = await coercingAjv();
    for (const spec of served) {
      for (const site of exampleSites(spec.document)) {
        let problems: string[];
        try {
          problems = checkExample(site, contract.ajv, coercing);
        } catch (e) {
          problems = [`schema cannot be compiled: ${(e as Error).message}`];
        }
        const label = exampleLabel(spec.document, site.pointer);
        for (const message of problems)
          messages.push(
            at(spec, {
              pointer: site.pointer,
              severity: 'error',
              rule: 'example-valid',
              message: `${label}: ${message}`,
            }),
          );
      }
    }
  }
  if (options.spectral !== false && served.length) {
    const found = spectral(
      served.map((s) => s.file),
      packageRoot(),
    );
    if (typeof found === 'string')
      messages.push({
        file: shownSpec(served[0]!.file),
        line: 1,
        pointer: '',
        severity: 'warning',
        rule: 'spectral-not-run',
        message: found,
      });
    else for (const r of found) messages.push({ ...r, file: shownSpec(r.file) });
  }
  return messages;
}
