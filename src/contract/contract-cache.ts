/**
 * The compiled contract, cached at build time (`npm ci` runs it through `prepare`): the dereferenced
 * specs as JSON and every validator as ajv standalone code. Start-up then parses no YAML and compiles
 * no schema. The cache is keyed by each spec file's hash; an edited spec falls back to compiling.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { compileContract, newAjv, type Contract, type ValidatorSource } from './compile-contract.js';
import { defaultSpecsDir, loadSpecs, packageRoot, specFiles, type SpecDocument } from './load-specs.js';
import type { ApiName, JsonObject } from './types.js';

interface CacheIndex {
  specs: Array<{ api: ApiName; name: string; hash: string; raw: JsonObject; document: JsonObject }>;
  validators: { strict: Record<string, string>; coercing: Record<string, string> };
}

export function defaultCacheDir(): string {
  return join(packageRoot(), 'dist', 'contract-cache');
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

export async function buildContractCache(dir = defaultCacheDir(), specsDir = defaultSpecsDir()): Promise<void> {
  const specs = await loadSpecs(specsDir);
  const code = { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` };
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
  const index: CacheIndex = {
    specs: specs.map((s) => ({ api: s.api, name: basename(s.file), hash: hashOf(s.text), raw: s.raw, document: s.document })),
    validators: maps,
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
}

/**
 * Evaluates a standalone validator module with `require` resolved from this package, so the cache
 * works wherever it is written (its own requires are ajv's runtime and ajv-formats).
 */
function loadStandalone(file: string): Record<string, ValidateFunction> {
  const module = { exports: {} as Record<string, ValidateFunction> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- our own build output, written by buildContractCache
  new Function('module', 'exports', 'require', readFileSync(file, 'utf8'))(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

/** The cached contract, or undefined when there is no cache or a spec changed since it was built. */
export function loadCachedContract(dir = defaultCacheDir(), specsDir = defaultSpecsDir()): Contract | undefined {
  const indexFile = join(dir, 'index.json');
  if (!existsSync(indexFile)) return undefined;
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as CacheIndex;
  const files = specFiles(specsDir);
  if (files.length !== index.specs.length) return undefined;
  const specs: SpecDocument[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const cached = index.specs.find((s) => s.name === basename(file));
    if (!cached || cached.hash !== hashOf(text)) return undefined;
    specs.push({ api: cached.api, file, text, raw: cached.raw, document: cached.document });
  }
  const modules = { strict: loadStandalone(join(dir, 'strict.cjs')), coercing: loadStandalone(join(dir, 'coercing.cjs')) };
  let fallback: ValidatorSource | undefined;
  const source: ValidatorSource = {
    get(kind, key, schema) {
      const fn = modules[kind][index.validators[kind][key] ?? ''];
      if (fn) return fn;
      fallback ??= { get: (k, _key, s) => newAjv(k === 'coercing').compile(s) };
      return fallback.get(kind, key, schema);
    },
  };
  return compileContract(specs, source);
}

/** The contract the mock serves: from the build cache when it is current, else loaded and compiled now. */
export async function loadContract(): Promise<Contract> {
  return loadCachedContract() ?? compileContract(await loadSpecs());
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await buildContractCache();
}
