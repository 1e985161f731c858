/**
 * A document's `x-mock-state` declarations as an ApiModule: one handler per declared operation (built once), the
 * declared collections (seedable through POST /__mock/state and `given:`), their seed records and the generic
 * `expire-token` effect. Owns turning declarations into a module; not the format (contract/mock-state.ts), nor how
 * code modules and plug-ins go over it (server/api-modules.ts). A declaration that names what is not declared
 * leaves its operation answering its example, with a start-up warning (lint reports it with file:line).
 */
import { collectionName, type ApiModule, type CollectionInfo, type Effect } from '../../apis/api-module.js';
import type { ApiContract } from '../../contract/compile-contract.js';
import {
  readMockState,
  type CollectionDecl,
  type MockStateDeclarations,
  type OperationState,
} from '../../contract/mock-state.js';
import type { JsonObject, Operation } from '../../contract/types.js';
import type { DeclaredEnv, TokenRecord } from './declared-env.js';
import { declaredHandler, presentedReader } from './declared-handlers.js';
import { fieldReader, type FieldReader } from './field-reader.js';

export interface DeclaredModule {
  module: ApiModule;
  /** One line each: what was left out and why (serve prints them at start). */
  warnings: string[];
}

/** Whether a document declares any x-mock-state object (document or operation level). */
export const declaresState = (d: MockStateDeclarations): boolean => d.document !== undefined || d.operations.size > 0;

/** The API's declared module, or undefined when its document declares no x-mock-state object. */
export function declaredModule(
  api: ApiContract,
  declarations: MockStateDeclarations = readMockState(api.spec.document),
): DeclaredModule | undefined {
  if (!declaresState(declarations)) return undefined;
  const file = api.spec.file;
  const warnings = declarations.problems.map((p) => `${file} ${p.at}: ${p.message}`);
  if (!api.dialect.hasEnvelope) {
    warnings.push(
      `${file}: x-mock-state declarations need the document's x-dialect and x-error-catalog; its operations answer REST-shaped state or examples`,
    );
    return { module: emptyModule(api.api), warnings };
  }
  const collections = declarations.document?.collections ?? new Map<string, CollectionDecl>();
  const env: DeclaredEnv = {
    api: api.api,
    dialect: api.dialect,
    collections,
    auth: declarations.document?.auth,
    problems: [],
  };
  const handlers: ApiModule['handlers'] = {};
  const tokenPlaces = new Map<string, { read: FieldReader; store: string }>();
  for (const [id, state] of declarations.operations) {
    const op = api.operations.find((o) => o.operationId === id);
    if (!op) {
      warnings.push(`${file} ${state.at}: no served operation "${id}" to declare`);
      continue;
    }
    env.problems = [];
    const handler = declaredHandler(env, op, state);
    if (!handler) {
      warnings.push(`${file}: ${id} answers its example: ${env.problems.join('; ')} (see contract-mock lint --spec)`);
      continue;
    }
    handlers[id] = handler;
  }
  for (const op of api.operations) {
    const place = tokenPlace(declarations, op, declarations.operations.get(op.operationId));
    if (place) tokenPlaces.set(op.operationId, place);
  }
  const module: ApiModule = {
    api: api.api,
    handlers,
    collections: Object.fromEntries([...collections].map(([name, c]) => [name, collectionInfo(c)])),
    seed: () => seedOf(api.api, collections),
  };
  if ([...collections.values()].some((c) => c.token)) module.effects = { 'expire-token': expireToken(tokenPlaces) };
  return { module, warnings };
}

const emptyModule = (api: string): ApiModule => ({ api, handlers: {}, collections: {}, seed: () => ({}) });

/** A declared collection as the mock's CollectionInfo: seeded records completed from `generate`, `defaults` and token `ttlSeconds`. */
function collectionInfo(c: CollectionDecl): CollectionInfo {
  const info: CollectionInfo = {
    key: c.key,
    description: c.description ?? `records keyed by ${c.key} (declared in x-mock-state)`,
  };
  if (c.schema) info.schema = c.schema;
  if (c.notStored) info.notStored = c.notStored;
  if (c.alsoStored) info.alsoStored = c.alsoStored;
  const { generate, defaults, token } = c;
  if (generate || defaults || token)
    info.complete = (partial, _fake, ctx) => {
      const record: JsonObject = { ...(generate && ctx.generate(generate)), ...defaults, ...partial };
      if (!token) return record;
      // A token lives `ttlSeconds` (default the collection's ttl) from the session's now, unless given an expiresAt.
      const ttl = partial['ttlSeconds'] ?? token.ttl;
      if (typeof partial['expiresAt'] !== 'number' && ttl !== undefined)
        record['expiresAt'] = ctx.now + Number(ttl) * 1000;
      return record;
    };
  return info;
}

/** The declared seed records under the store's collection names, keyed by their key field. */
function seedOf(api: string, collections: Map<string, CollectionDecl>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, c] of collections) {
    if (!c.seed.length) continue;
    const records: Record<string, unknown> = {};
    for (const r of c.seed) records[String(r[c.key])] = { ...c.defaults, ...structuredClone(r) };
    out[collectionName(api, name)] = records;
  }
  return out;
}

/** Where an operation's token is: its x-auth location (checked against the auth collection), else its renew branch's key. */
function tokenPlace(
  declarations: MockStateDeclarations,
  op: Operation,
  state: OperationState | undefined,
): { read: FieldReader; store: string } | undefined {
  const auth = declarations.document?.auth;
  if (op.auth && auth) return { read: presentedReader(op)!, store: collectionName(op.api, auth.collection) };
  const renew = state?.branches.find((b) => b.action === 'renew');
  return renew?.key ? { read: fieldReader(renew.key), store: collectionName(op.api, renew.collection) } : undefined;
}

/** `expire-token`: the token the request presents expires now, as if its TTL had passed (this session only). */
function expireToken(places: Map<string, { read: FieldReader; store: string }>): Effect {
  return async ({ op, input, session }) => {
    const place = places.get(op.operationId);
    const presented = place?.read({ input });
    if (!place || typeof presented !== 'string' || presented === '') return;
    const token = await session.get<TokenRecord>(place.store, presented);
    if (token) await session.put(place.store, presented, { ...token, expiresAt: await session.now() });
  };
}
