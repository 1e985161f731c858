/**
 * Handlers as plug-ins: a handlers record (operationId → Handler, the shape every built-in ApiModule's `handlers`
 * has) merged over the modules once at start, and a handlers file (`serve --handlers`) loaded into one. Owns the
 * check that each operationId is served; not how a handler runs (pipeline/handle.ts) nor the flag (cli/serve.ts).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';
import type { ApiModule, Handler } from './api-module.js';

/** The operationIds of `handlers` the contract serves no operation for (each one is a mistake). */
export function unknownOperationIds(contract: Contract, handlers: Record<string, Handler>): string[] {
  const served = new Set(contract.operations.map((op) => op.operationId));
  return Object.keys(handlers).filter((id) => !served.has(id));
}

/**
 * The modules with `handlers` added or overriding theirs, for every API serving that operationId; a served
 * document without a module gets one carrying only handlers. Throws naming `from` and an unknown operationId.
 */
export function withHandlers(
  modules: ReadonlyMap<ApiName, ApiModule>,
  contract: Contract,
  handlers: Record<string, Handler> | undefined,
  from = 'handlers',
): Map<ApiName, ApiModule> {
  const merged = new Map(modules);
  if (!handlers) return merged;
  for (const [id, handler] of Object.entries(handlers))
    if (typeof handler !== 'function')
      throw new Error(`${from}: "${id}" is not a function (a Handler takes a HandlerContext)`);
  const unknown = unknownOperationIds(contract, handlers);
  if (unknown.length)
    throw new Error(`${from}: no served operation has operationId "${unknown[0]}" in the served documents`);
  for (const op of contract.operations) {
    const handler = handlers[op.operationId];
    if (!handler) continue;
    const module = merged.get(op.api) ?? { api: op.api, handlers: {}, collections: {}, seed: () => ({}) };
    merged.set(op.api, { ...module, handlers: { ...module.handlers, [op.operationId]: handler } });
  }
  return merged;
}

/**
 * The handlers an ES module file exports: each named export is one, named by its operationId; a default export that
 * is an object adds its entries. Throws one line naming the file when it does not import or exports a non-function.
 */
export async function loadHandlersFile(file: string): Promise<Record<string, Handler>> {
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: cannot load it: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
  const { default: byDefault, ...named } = exported;
  const entries: Record<string, unknown> = {
    ...(byDefault && typeof byDefault === 'object' ? (byDefault as Record<string, unknown>) : {}),
    ...named,
  };
  if (byDefault !== undefined && (typeof byDefault !== 'object' || byDefault === null))
    throw new Error(`${file}: the default export must be an object of handlers by operationId`);
  for (const [id, value] of Object.entries(entries))
    if (typeof value !== 'function') throw new Error(`${file}: export "${id}" is not a function (a Handler)`);
  return entries as Record<string, Handler>;
}
