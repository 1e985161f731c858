/** Loads the four OpenAPI documents from `specs/`: YAML text → raw document → dereferenced document. No validation here. */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ApiName, JsonObject } from './types.js';

export const API_NAMES: readonly ApiName[] = ['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'];

export interface SpecDocument {
  api: ApiName;
  file: string;
  /** The YAML text, for tools that report line numbers. */
  text: string;
  /** As written, with `$ref`s. */
  raw: JsonObject;
  /** Every `$ref` replaced by its target. */
  document: JsonObject;
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
  const api = info['x-api'] as ApiName;
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
