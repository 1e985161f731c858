/**
 * The API modules the mock serves, built once per contract: for every API whose document declares `x-mock-state`
 * objects, the declared module (answers/declared/) with the built-in code module over it (code wins for the same
 * operationId, collection or effect); the other built-ins as their code. Plug-in handlers (`--handlers`) go over
 * these in create-mock.ts. Owns the order of the layers, not what any of them does.
 */
import type { ApiModule } from '../apis/api-module.js';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';
import { declaredModule } from '../answers/declared/declared-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';

export interface ApiModules {
  modules: Map<ApiName, ApiModule>;
  /** What the declarations could not do, one line each (serve prints them at start). */
  warnings: string[];
}

/** Every served API's module: declared, code, or code over declared. */
export function apiModules(contract: Contract, code: readonly ApiModule[] = BUILTIN_APIS): ApiModules {
  const modules = new Map<ApiName, ApiModule>();
  const warnings: string[] = [];
  const byApi = new Map(code.map((m) => [m.api, m]));
  for (const api of contract.apis.values()) {
    const declared = declaredModule(api);
    const own = byApi.get(api.api);
    if (declared) warnings.push(...declared.warnings);
    const module = declared ? (own ? over(declared.module, own) : declared.module) : own;
    if (module) modules.set(api.api, module);
  }
  // A code module whose API the contract does not serve still counts (lint, verify and pact read them all).
  for (const m of code) if (!modules.has(m.api)) modules.set(m.api, m);
  return { modules, warnings };
}

/** `code` over `declared`: handlers, collections and effects by name, seeds by store collection, the rest whole. */
export function over(declared: ApiModule, code: ApiModule): ApiModule {
  const collections = { ...declared.collections, ...code.collections };
  for (const [name, extra] of Object.entries(code.collectionCode ?? {}))
    if (collections[name]) collections[name] = { ...collections[name], ...extra };
  const effects = { ...declared.effects, ...code.effects };
  return {
    ...declared,
    ...code,
    handlers: { ...declared.handlers, ...code.handlers },
    collections,
    seed: () => ({ ...declared.seed(), ...code.seed() }),
    ...(Object.keys(effects).length && { effects }),
  };
}
