/**
 * One declared branch (issue, renew, create, upsert, read, list, delete) compiled into a handler body: its key,
 * references, codes and answer resolved once, so a call does only its store reads and writes. Owns what each
 * action does to the session's records; not the token check every x-auth operation makes (declared-handlers.ts).
 */
import type { HandlerContext } from '../../apis/api-module.js';
import type { ActionDecl, CodeRef } from '../../contract/mock-state.js';
import type { JsonObject, Operation } from '../../contract/types.js';
import type { SyncSession } from '../../state/store.js';
import { compileTemplate, type TemplateValues } from './answer-template.js';
import {
  collectionOf,
  errorOf,
  errorOrRole,
  expired,
  newToken,
  type DeclaredEnv,
  type ErrorBody,
  type TokenRecord,
} from './declared-env.js';
import { fieldReader, type FieldReader } from './field-reader.js';

export type BranchBody = (ctx: HandlerContext) => Promise<JsonObject>;
type Answer = (ctx: HandlerContext, values: TemplateValues, list?: unknown[]) => JsonObject;

/** The branch as a handler body, or undefined (with problems noted in env) when it names what is not declared. */
export function compileBranch(env: DeclaredEnv, op: Operation, b: ActionDecl): BranchBody | undefined {
  const before = env.problems.length;
  const body = ACTIONS[b.action](env, op, b);
  return env.problems.length === before ? body : undefined;
}

const ACTIONS: Record<
  ActionDecl['action'],
  (env: DeclaredEnv, op: Operation, b: ActionDecl) => BranchBody | undefined
> = {
  issue: issueAction,
  renew: renewAction,
  create: (env, op, b) => saveAction(env, op, b, 'create'),
  upsert: (env, op, b) => saveAction(env, op, b, 'upsert'),
  read: readAction,
  list: listAction,
  delete: deleteAction,
};

/** The success envelope of the branch's `answer`, with its `message`. */
function answerOf(env: DeclaredEnv, op: Operation, b: ActionDecl): Answer {
  const dialect = env.dialect;
  const message = b.messageCode ? catalogueMessage(env, b.messageCode) : b.message;
  const opts = (data: unknown) => (message === undefined ? { data } : { data, message });
  const answer = b.answer;
  switch (answer.kind) {
    case 'record':
      return (_ctx, v) => dialect.success(op, opts(v.record));
    case 'none':
      return () => dialect.success(op, opts(undefined));
    case 'list':
      return (_ctx, v, list) => dialect.success(op, opts(list ?? (v.record ? [v.record] : [])));
    case 'fields': {
      const fields = answer.fields;
      return (_ctx, v) => {
        const data: JsonObject = {};
        for (const f of fields) if (v.record && f in v.record) data[f] = v.record[f];
        return dialect.success(op, opts(data));
      };
    }
    case 'data': {
      const unknown: string[] = [];
      const template = compileTemplate(answer.template, unknown);
      for (const name of unknown) env.problems.push(`${b.at}/answer/data: no placeholder {{${name}}}`);
      return (_ctx, v) => dialect.success(op, opts(template(v)));
    }
  }
}

/** A catalogue entry's message (`message: { code: KEY }`); a key not in the catalogue is a problem. */
function catalogueMessage(env: DeclaredEnv, ref: CodeRef): string | undefined {
  const entry = env.dialect.entry(ref.key);
  if (!entry) env.problems.push(`${ref.at}: code "${ref.key}" is not in the x-error-catalog of ${env.api}`);
  return entry?.message;
}

const keyReader = (b: ActionDecl): FieldReader => fieldReader(b.key!);

function issueAction(env: DeclaredEnv, op: Operation, b: ActionDecl): BranchBody | undefined {
  const tokens = collectionOf(env, b.collection, `${b.at}/collection`, true);
  if (!b.credentials) {
    env.problems.push(`${b.at}: an issue needs credentials: { collection, key, match }`);
    return undefined;
  }
  const creds = collectionOf(env, b.credentials.collection, `${b.credentials.at}/collection`);
  const invalid = errorOrRole(env, op, b.invalid, 'unauthorized');
  const answer = answerOf(env, op, b);
  if (!tokens || !creds) return undefined;
  const readCred = fieldReader(b.credentials.key);
  const match = b.credentials.match.map((f) => [f, fieldReader({ in: b.credentials!.key.in, name: f })] as const);
  const rules = tokens.token!;
  const ttl = b.ttl ?? rules.ttl;
  // The tokens issued per credential record, as a ring of `keep` slots (`OWNER#0` ... `OWNER#<keep-1>`) filled in
  // turn by a counter per owner: a new token takes the next slot and the token that slot held, issued `keep` tokens
  // ago, is dropped. One short record written per issue, where a list of `keep` tokens was counted and written
  // back on every call (and logged whole by a durable store).
  const issuedStore = `${tokens.store}#issued`;
  const keep = Math.max(1, rules.keep);
  const [tokenKey, credKey] = [tokens.key, creds.key];
  return async (ctx) => {
    const { session } = ctx;
    const clock = session.now();
    const now = typeof clock === 'number' ? clock : await clock;
    const sync = session.sync;
    const credKeyValue = String(readCred(ctx));
    const cred = sync
      ? sync.get<JsonObject>(creds.store, credKeyValue)
      : await session.get<JsonObject>(creds.store, credKeyValue);
    if (!cred) return invalid(ctx);
    for (const [field, read] of match) if (cred[field] !== read(ctx)) return invalid(ctx);
    const token = newToken(ctx.fake, rules.length);
    const record: TokenRecord = { [tokenKey]: token, [credKey]: cred[credKey] };
    if (ttl !== undefined) record.expiresAt = now + ttl * 1000;
    if (sync) sync.put(tokens.store, token, record);
    else await session.put(tokens.store, token, record);
    const owner = String(cred[credKey]);
    const turn = session.nextSeq(`${issuedStore}:${owner}`, 0);
    const slot = `${owner}#${(typeof turn === 'number' ? turn : await turn) % keep}`;
    if (sync) {
      const dropped = sync.get<string>(issuedStore, slot);
      if (dropped !== undefined && dropped !== token) sync.delete(tokens.store, dropped);
      sync.put(issuedStore, slot, token);
    } else {
      const dropped = await session.get<string>(issuedStore, slot);
      if (dropped !== undefined && dropped !== token) await session.delete(tokens.store, dropped);
      await session.put(issuedStore, slot, token);
    }
    return answer(ctx, { token, ttl, expiresAt: record.expiresAt, record, key: token });
  };
}

function renewAction(env: DeclaredEnv, op: Operation, b: ActionDecl): BranchBody | undefined {
  const tokens = collectionOf(env, b.collection, `${b.at}/collection`, true);
  const invalid = errorOrRole(env, op, b.invalid ?? env.auth?.invalid, 'unauthorized');
  const answer = answerOf(env, op, b);
  if (!tokens) return undefined;
  const read = keyReader(b);
  const ttl = b.ttl ?? tokens.token!.ttl;
  return async (ctx) => {
    const { session } = ctx;
    const now = await session.now();
    const key = String(read(ctx));
    const token = await session.get<TokenRecord>(tokens.store, key);
    if (!token || expired(token, now)) return invalid(ctx);
    const renewed: TokenRecord = ttl === undefined ? { ...token } : { ...token, expiresAt: now + ttl * 1000 };
    await session.put(tokens.store, key, renewed);
    return answer(ctx, { token: key, ttl, expiresAt: renewed.expiresAt, record: renewed, key });
  };
}

interface CompiledRef {
  read: FieldReader;
  store: string;
  missing: ErrorBody;
}

function refsOf(env: DeclaredEnv, op: Operation, b: ActionDecl): CompiledRef[] {
  return b.refs.flatMap((r) => {
    const target = collectionOf(env, r.collection, `${r.at}/collection`);
    const missing = errorOf(env, op, r.missing);
    return target ? [{ read: fieldReader(r.field), store: target.store, missing }] : [];
  });
}

/** brokenRef, on a session answering at once. */
function brokenRefNow(ctx: HandlerContext, refs: CompiledRef[], sync: SyncSession): JsonObject | undefined {
  for (const ref of refs) {
    const v = ref.read(ctx);
    if (v !== undefined && sync.get(ref.store, String(v)) === undefined) return ref.missing(ctx);
  }
  return undefined;
}

/** The first reference whose field is present and names no stored record: its code; undefined when all hold. */
async function brokenRef(ctx: HandlerContext, refs: CompiledRef[]): Promise<JsonObject | undefined> {
  for (const ref of refs) {
    const v = ref.read(ctx);
    if (v !== undefined && (await ctx.session.get(ref.store, String(v))) === undefined) return ref.missing(ctx);
  }
  return undefined;
}

function saveAction(env: DeclaredEnv, op: Operation, b: ActionDecl, kind: 'create' | 'upsert'): BranchBody | undefined {
  const target = collectionOf(env, b.collection, `${b.at}/collection`);
  const refs = refsOf(env, op, b);
  const duplicate = kind === 'create' && b.duplicate ? errorOf(env, op, b.duplicate) : undefined;
  // An update (`existing: required`) of a key with no record answers `missing`.
  const missing =
    kind === 'upsert' && b.existing === 'required' ? errorOrRole(env, op, b.missing, 'invalidRequest') : undefined;
  const answer = answerOf(env, op, b);
  if (!target) return undefined;
  const read = keyReader(b);
  // A key read elsewhere than the body (a path id) is written into the record under the collection's key field.
  const keyField = b.key!.in === 'body' ? undefined : target.key;
  const { defaults, merge } = b;
  const notStored = b.notStored.length ? b.notStored : undefined;
  const readExisting = merge || duplicate !== undefined || missing !== undefined;
  return async (ctx) => {
    const { session } = ctx;
    const keyValue = read(ctx);
    const key = String(keyValue);
    const sync = session.sync;
    const existing = !readExisting
      ? undefined
      : sync
        ? sync.get<JsonObject>(target.store, key)
        : await session.get<JsonObject>(target.store, key);
    if (existing !== undefined && duplicate) return duplicate(ctx);
    if (existing === undefined && missing) return missing(ctx);
    if (refs.length) {
      const broken = sync ? brokenRefNow(ctx, refs, sync) : await brokenRef(ctx, refs);
      if (broken) return broken;
    }
    const input: JsonObject = { ...ctx.input.body };
    if (notStored) for (const f of notStored) delete input[f];
    if (keyField !== undefined) input[keyField] = keyValue;
    const record = defaults || existing ? { ...defaults, ...(merge ? existing : undefined), ...input } : input;
    if (sync) sync.put(target.store, key, record);
    else await session.put(target.store, key, record);
    return answer(ctx, { record, key: keyValue });
  };
}

function readAction(env: DeclaredEnv, op: Operation, b: ActionDecl): BranchBody | undefined {
  const target = collectionOf(env, b.collection, `${b.at}/collection`);
  const missing = errorOrRole(env, op, b.missing, 'invalidRequest');
  const answer = answerOf(env, op, b);
  if (!target) return undefined;
  const read = keyReader(b);
  return async (ctx) => {
    const keyValue = read(ctx);
    const sync = ctx.session.sync;
    const record = sync
      ? sync.get<JsonObject>(target.store, String(keyValue))
      : await ctx.session.get<JsonObject>(target.store, String(keyValue));
    return record === undefined ? missing(ctx) : answer(ctx, { record, key: keyValue });
  };
}

function listAction(env: DeclaredEnv, op: Operation, b: ActionDecl): BranchBody | undefined {
  const target = collectionOf(env, b.collection, `${b.at}/collection`);
  const answer = answerOf(env, op, b);
  if (!target) return undefined;
  const key = target.key;
  // In key order, whatever order the store keeps: a shared store and a seeded session list alike.
  const byKey = (a: JsonObject, b: JsonObject): number => {
    const [x, y] = [a[key] as number | string, b[key] as number | string];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return async (ctx) => answer(ctx, {}, (await ctx.session.list<JsonObject>(target.store)).sort(byKey));
}

function deleteAction(env: DeclaredEnv, op: Operation, b: ActionDecl): BranchBody | undefined {
  const target = collectionOf(env, b.collection, `${b.at}/collection`);
  const missing = errorOrRole(env, op, b.missing, 'invalidRequest');
  const answer = answerOf(env, op, b);
  if (!target) return undefined;
  const read = keyReader(b);
  return async (ctx) => {
    const keyValue = read(ctx);
    const sync = ctx.session.sync;
    const removed = sync
      ? sync.delete(target.store, String(keyValue))
      : await ctx.session.delete(target.store, String(keyValue));
    return removed ? answer(ctx, { key: keyValue }) : missing(ctx);
  };
}
