/**
 * Loads the four OpenAPI documents from `specs/`, and any other OpenAPI 3.0 / 3.1 document given to
 * `serve --spec`: YAML or JSON text → raw document → dereferenced document. No validation here.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ApiName, BuiltinApi, JsonObject } from './types.js';
import { convertDocumentSchemas } from './openapi-schema.js';
import { getPointer } from './json-pointer.js';

export const API_NAMES: readonly BuiltinApi[] = ['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'];

export interface SpecDocument {
  api: ApiName;
  file: string;
  /** The YAML text, for tools that report line numbers. */
  text: string;
  /** As written, with `$ref`s. */
  raw: JsonObject;
  /** Every `$ref` replaced by its target. */
  document: JsonObject;
  /** Set for a document added with `serve --spec`: where its paths are mounted (its first `servers` URL's path, `` for none). */
  mount?: string;
}

/** The package root: the nearest folder above this module that holds `specs/`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'specs')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the contract-mock package root (a folder with specs/ and package.json)');
}

export function defaultSpecsDir(): string {
  return join(packageRoot(), 'specs');
}

export function specFiles(dir = defaultSpecsDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.openapi.yaml'))
    .sort()
    .map((f) => resolve(dir, f));
}

export function readSpec(file: string): Omit<SpecDocument, 'document'> {
  const text = readFileSync(file, 'utf8');
  // yaml is required on first use: a mock started from the build cache parses no YAML.
  const raw = (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text) as JsonObject;
  const info = (raw['info'] ?? {}) as JsonObject;
  const api = info['x-api'] as BuiltinApi;
  if (!API_NAMES.includes(api)) throw new Error(`${file}: info.x-api must be one of ${API_NAMES.join(', ')}`);
  return { api, file, text, raw };
}

export async function loadSpecs(dir = defaultSpecsDir()): Promise<SpecDocument[]> {
  // Loaded here, not at module load: a mock started from the build cache never needs it.
  const { dereference } = await import('@readme/openapi-parser');
  return Promise.all(
    specFiles(dir).map(async (file) => {
      const spec = readSpec(file);
      const document = (await dereference(structuredClone(spec.raw) as never)) as unknown as JsonObject;
      return { ...spec, document };
    }),
  );
}

/** `petstore-expanded.yaml` → `petstore-expanded`; `info.x-api` wins when the document names itself. */
function apiNameOf(file: string, raw: JsonObject): ApiName {
  const named = (raw['info'] as JsonObject | undefined)?.['x-api'];
  if (typeof named === 'string' && /^[A-Za-z0-9][\w.-]{0,63}$/.test(named)) return named;
  return (
    basename(file)
      .replace(/\.(ya?ml|json)$/i, '')
      .replace(/\.openapi$/i, '')
      .replace(/[^\w.-]+/g, '-')
      .slice(0, 64) || 'spec'
  );
}

/** The path of the first `servers` URL (variables at their defaults), without a trailing slash: `` for none or `/`. */
export function mountOf(raw: JsonObject): string {
  const server = ((raw['servers'] ?? []) as JsonObject[])[0];
  if (!server || typeof server['url'] !== 'string') return '';
  const vars = (server['variables'] ?? {}) as Record<string, JsonObject>;
  const url = server['url'].replace(/\{([^}]+)\}/g, (_, name: string) => String(vars[name]?.['default'] ?? ''));
  let path: string;
  try {
    path = new URL(url, 'http://mock.invalid').pathname;
  } catch {
    path = '';
  }
  path = decodeURI(path).replace(/\/+$/, '');
  return path === '/' ? '' : path;
}

/** A `--spec` given as an http(s) URL rather than a file. */
export const isSpecUrl = (spec: string): boolean => /^https?:\/\//i.test(spec);

/** Most bytes a `--spec` URL may answer with, and how long it may take: a document, not a download. */
const URL_MAX_BYTES = 32 * 1024 * 1024;
const URL_TIMEOUT_MS = 15_000;

/** The text of a `--spec` URL, fetched once (GET, redirects followed, bounded in time and size). Throws with the URL named. */
async function fetchSpecText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(URL_TIMEOUT_MS),
      headers: { accept: 'application/yaml, application/json;q=0.9, */*;q=0.5' },
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`--spec ${url}: cannot fetch it (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (!res.ok) throw new Error(`--spec ${url}: the server answered HTTP ${res.status}, not the document`);
  if (Number(res.headers.get('content-length') ?? 0) > URL_MAX_BYTES)
    throw new Error(`--spec ${url}: the document is over ${URL_MAX_BYTES} bytes`);
  const text = await res.text();
  if (Buffer.byteLength(text) > URL_MAX_BYTES)
    throw new Error(`--spec ${url}: the document is over ${URL_MAX_BYTES} bytes`);
  return text;
}

/**
 * Marks each local `$ref` that points at nothing as `{ "x-broken-ref": REF }`, so the rest of the document still
 * resolves and only the schemas holding one fail to compile: their operations lose that validation (issue 28).
 */
function markBrokenRefs(doc: JsonObject): void {
  const seen = new Set<object>();
  const resolves = (ref: string): boolean => {
    try {
      return getPointer(doc, decodeURIComponent(ref.slice(1))) !== undefined;
    } catch {
      return false;
    }
  };
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as JsonObject;
    const ref = o['$ref'];
    if (typeof ref === 'string' && ref.startsWith('#') && !resolves(ref)) {
      delete o['$ref'];
      o['x-broken-ref'] = ref;
    }
    // An `example` (or a schema's `examples` list) is data: a `$ref` in it is not the document's to resolve.
    for (const k in o) if (k !== 'example' && !(k === 'examples' && Array.isArray(o[k]))) walk(o[k]);
  };
  walk(doc);
}

/**
 * A document's text as data: JSON text through JSON.parse (GitHub's 13 MB document parses in 0.1 s that way,
 * 5 s and 580 MB as YAML), YAML otherwise or when JSON.parse refuses it (YAML is a superset; its message is clearer).
 */
function parseDocumentText(text: string): JsonObject {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as JsonObject;
    } catch {
      // Not strict JSON (a comment, a trailing comma): YAML reads it or says where it breaks.
    }
  }
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text, {
    maxAliasCount: 1000,
  }) as JsonObject;
}

/**
 * Reads an OpenAPI 3.0 or 3.1 document given to `serve --spec` (a file, or an http(s) URL fetched once), as YAML or
 * JSON, resolves its local `$ref`s and converts its schemas for ajv's JSON Schema 2020-12. Throws with the file named.
 */
export async function loadServedSpec(file: string): Promise<SpecDocument> {
  const url = isSpecUrl(file);
  const path = url ? file : resolve(file);
  let text: string;
  if (url) text = await fetchSpecText(file);
  else {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`--spec ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  let raw: JsonObject;
  try {
    raw = parseDocumentText(text);
  } catch (e) {
    throw new Error(`--spec ${file}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw && typeof raw === 'object' && raw['swagger'] !== undefined && raw['openapi'] === undefined) {
    // swagger2openapi is not a dependency: say what the file is and how to convert it, in one line.
    throw new Error(
      `--spec ${file}: not an OpenAPI 3.0 or 3.1 document but Swagger ${String(raw['swagger'])}: convert it first (npx swagger2openapi ${file} -o ${file.replace(/\.(ya?ml|json)$/i, '')}.openapi.yaml, or editor.swagger.io: Edit > Convert to OpenAPI 3)`,
    );
  }
  if (!raw || typeof raw !== 'object' || typeof raw['openapi'] !== 'string' || !/^3\.[01]\./.test(raw['openapi'])) {
    throw new Error(
      `--spec ${file}: not an OpenAPI 3.0 or 3.1 document (its "openapi" field is ${JSON.stringify((raw as JsonObject | null)?.['openapi'] ?? null)})`,
    );
  }
  if (!raw['paths'] || typeof raw['paths'] !== 'object') throw new Error(`--spec ${file}: the document has no paths`);
  const { dereference } = await import('@readme/openapi-parser');
  let document: JsonObject;
  try {
    // Only references inside the document: a served spec never makes the mock read other files or the network.
    const copy = structuredClone(raw);
    markBrokenRefs(copy);
    document = (await dereference(
      copy as never,
      { resolve: { external: false }, dereference: { circular: 'ignore' } } as never,
    )) as unknown as JsonObject;
  } catch (e) {
    throw new Error(`--spec ${file}: cannot resolve its $refs: ${(e as Error).message.split('\n')[0]}`);
  }
  convertDocumentSchemas(document);
  return {
    api: apiNameOf(url ? decodeURIComponent(new URL(file).pathname) : path, raw),
    file: path,
    text,
    raw,
    document,
    mount: mountOf(raw),
  };
}
