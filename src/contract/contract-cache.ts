/**
 * The compiled contract, cached at build time (`npm ci` runs it through `prepare`): the dereferenced
 * specs as JSON and every validator as ajv standalone code. Start-up then parses no YAML and compiles
 * no schema. The cache is keyed by each spec file's hash; an edited spec falls back to compiling.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { FORMATS_MODULE, integerFormats } from './integer-formats.js';
import { compileContract, compilingSource, newAjv, type Contract, type ValidatorSource } from './compile-contract.js';
import { loadSpec } from './spec-prefetch.js';
import { defaultSpecsDir, loadSpecs, packageRoot, specFiles, type SpecDocument } from './load-specs.js';
import type { ApiName, JsonObject } from './types.js';

/** The scenario file schema (scenarios/scenario.schema.json), precompiled with the contract. */
export function scenarioSchemaFile(): string {
  return join(packageRoot(), 'scenarios', 'scenario.schema.json');
}

interface CacheIndex {
  /** Hash of everything the cache is built from (see cacheInputsHash): equal means the build can skip it. */
  inputsHash?: string;
  scenarioSchemaHash?: string;
  /** The built-in scenario files, parsed: file name → { hash, value }. */
  scenarios?: Record<string, { hash: string; value: unknown }>;
  specs: Array<{ api: ApiName; name: string; hash: string; raw: JsonObject; document: JsonObject }>;
  validators: { strict: Record<string, string>; coercing: Record<string, string> };
}

export function defaultCacheDir(): string {
  return join(packageRoot(), 'dist', 'contract-cache');
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

const indexes = new Map<string, CacheIndex | undefined>();
/** The cache index of a folder, read once. */
function readIndex(dir: string): CacheIndex | undefined {
  if (!indexes.has(dir)) {
    const file = join(dir, 'index.json');
    indexes.set(dir, existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CacheIndex) : undefined);
  }
  return indexes.get(dir);
}

export async function buildContractCache(dir = defaultCacheDir(), specsDir = defaultSpecsDir()): Promise<void> {
  const specs = await loadSpecs(specsDir);
  const { _ } = await import('ajv');
  const standaloneCode = (await import('ajv/dist/standalone/index.js')).default;
  const code = { source: true, formats: _`require(${FORMATS_MODULE})` };
  const ajvs = { strict: newAjv(false, code), coercing: newAjv(true, code) };
  const maps: CacheIndex['validators'] = { strict: {}, coercing: {} };
  let n = 0;
  const recording: ValidatorSource = {
    get(kind, key, schema) {
      const id = `v${n++}`;
      ajvs[kind].addSchema(schema, id);
      maps[kind][key] = id;
      return ajvs[kind].getSchema(id) as ValidateFunction;
    },
  };
  compileContract(specs, recording);
  mkdirSync(dir, { recursive: true });
  for (const kind of ['strict', 'coercing'] as const) {
    const exportsMap = Object.fromEntries(Object.values(maps[kind]).map((id) => [id, id]));
    writeFileSync(join(dir, `${kind}.cjs`), standaloneCode.default(ajvs[kind], exportsMap));
  }
  const scenarioSchema = readFileSync(scenarioSchemaFile(), 'utf8');
  const scenarioAjv = newAjv(false, code);
  scenarioAjv.addSchema(JSON.parse(scenarioSchema) as object, 'scenario');
  writeFileSync(join(dir, 'scenario-schema.cjs'), standaloneCode.default(scenarioAjv, { scenario: 'scenario' }));
  const yaml = await import('yaml');
  const scenarioDir = join(packageRoot(), 'scenarios');
  const scenarios: CacheIndex['scenarios'] = {};
  for (const f of readdirSync(scenarioDir).filter((f) => /\.ya?ml$/.test(f))) {
    const text = readFileSync(join(scenarioDir, f), 'utf8');
    scenarios[f] = { hash: hashOf(text), value: yaml.parse(text) };
  }
  const index: CacheIndex = {
    inputsHash: cacheInputsHash(specsDir),
    scenarioSchemaHash: hashOf(scenarioSchema),
    scenarios,
    specs: specs.map((s) => ({
      api: s.api,
      name: basename(s.file),
      hash: hashOf(s.text),
      raw: s.raw,
      document: s.document,
    })),
    validators: maps,
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  indexes.delete(dir);
}

/**
 * What the cache is made of: the specs, the scenario schema and built-in scenarios, the contract
 * compiler's own code (this folder) and the ajv version that wrote the validators.
 */
function cacheInputsHash(specsDir: string): string {
  const hash = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  const scenarioDir = join(packageRoot(), 'scenarios');
  const files = [
    ...specFiles(specsDir),
    scenarioSchemaFile(),
    ...readdirSync(scenarioDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(scenarioDir, f)),
    ...readdirSync(here)
      .filter((f) => /\.[jt]s$/.test(f))
      .sort()
      .map((f) => join(here, f)),
    createRequire(import.meta.url).resolve('ajv/package.json'),
  ];
  for (const file of files) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Builds the cache unless the one in `dir` was built from exactly these inputs (`npm ci && npm test` builds once). */
export async function ensureContractCache(
  dir = defaultCacheDir(),
  specsDir = defaultSpecsDir(),
): Promise<'current' | 'built'> {
  indexes.delete(dir);
  if (readIndex(dir)?.inputsHash === cacheInputsHash(specsDir)) return 'current';
  await buildContractCache(dir, specsDir);
  return 'built';
}

/**
 * Evaluates a standalone validator module with `require` resolved from this package, so the cache
 * works wherever it is written (its own requires are ajv's runtime and ajv-formats).
 */
function loadStandalone(file: string): Record<string, ValidateFunction> {
  const module = { exports: {} as Record<string, ValidateFunction> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- our own build output, written by buildContractCache
  const base = createRequire(import.meta.url);
  const formats = integerFormats.all();
  const resolve = (id: string): unknown => (id === FORMATS_MODULE ? formats : base(id));
  new Function('module', 'exports', 'require', readFileSync(file, 'utf8'))(module, module.exports, resolve);
  return module.exports;
}

/** The cached contract (plus served specs, compiled now), or undefined when there is no cache or a spec changed since it was built. */
export function loadCachedContract(
  dir = defaultCacheDir(),
  specsDir = defaultSpecsDir(),
  served: SpecDocument[] = [],
): Contract | undefined {
  const builtins = cachedBuiltins(dir, specsDir);
  return builtins && compileContract([...builtins.specs, ...served], builtins.source);
}

/** The four built-in specs and their precompiled validators from the cache, or undefined when it is missing or stale. */
function cachedBuiltins(
  dir = defaultCacheDir(),
  specsDir = defaultSpecsDir(),
): { specs: SpecDocument[]; source: ValidatorSource } | undefined {
  const index = readIndex(dir);
  if (!index) return undefined;
  const files = specFiles(specsDir);
  if (files.length !== index.specs.length) return undefined;
  const specs: SpecDocument[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const cached = index.specs.find((s) => s.name === basename(file));
    if (!cached || cached.hash !== hashOf(text)) return undefined;
    specs.push({ api: cached.api, file, text, raw: cached.raw, document: cached.document });
  }
  const modules = {
    strict: loadStandalone(join(dir, 'strict.cjs')),
    coercing: loadStandalone(join(dir, 'coercing.cjs')),
  };
  let fallback: ValidatorSource | undefined;
  const source: ValidatorSource = {
    get(kind, key, schema) {
      const fn = modules[kind][index.validators[kind][key] ?? ''];
      if (fn) return fn;
      fallback ??= compilingSource(newAjv(false), newAjv(true));
      return fallback.get(kind, key, schema);
    },
  };
  return { specs, source };
}

/** The precompiled scenario.schema.json validator, when the cache holds a current one. */
export function cachedScenarioValidator(dir = defaultCacheDir()): ValidateFunction | undefined {
  const file = join(dir, 'scenario-schema.cjs');
  const index = readIndex(dir);
  if (!index || !existsSync(file)) return undefined;
  if (index.scenarioSchemaHash !== hashOf(readFileSync(scenarioSchemaFile(), 'utf8'))) return undefined;
  return loadStandalone(file)['scenario'];
}

/** A built-in scenario file's parsed value, when the cache holds it for exactly this text. */
export function cachedScenarioValue(file: string, text: string, dir = defaultCacheDir()): unknown {
  if (dirname(file) !== join(packageRoot(), 'scenarios')) return undefined;
  const entry = readIndex(dir)?.scenarios?.[basename(file)];
  return entry && entry.hash === hashOf(text) ? structuredClone(entry.value) : undefined;
}

/**
 * The contract the mock serves: from the build cache when it is current, else loaded and compiled now; with
 * `serve --spec` documents beside the four. The four and the schema compiler (ajv, loaded by making one instance)
 * are loaded while the documents are still being read on the worker thread (spec-prefetch.ts).
 */
export async function loadContract(servedFiles: readonly string[] = []): Promise<Contract> {
  const builtins = cachedBuiltins();
  if (servedFiles.length) newAjv(false);
  const served: SpecDocument[] = [];
  for (const file of servedFiles) served.push(await loadSpec(file));
  return withBuiltins(builtins, served);
}

/** The four built-in APIs (from the cache when current) with these served documents already loaded: a `--spec` reload recompiles through here. */
export function contractWith(served: SpecDocument[]): Promise<Contract> {
  return withBuiltins(cachedBuiltins(), served);
}

async function withBuiltins(builtins: ReturnType<typeof cachedBuiltins>, served: SpecDocument[]): Promise<Contract> {
  return builtins
    ? compileContract([...builtins.specs, ...served], builtins.source)
    : compileContract([...(await loadSpecs()), ...served]);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await ensureContractCache();
}
