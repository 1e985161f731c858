/**
 * Checks a document's `x-mock-state` declarations against the rest of the document: collections, request fields,
 * the error catalogue, x-codes, x-messages and the collections' schemas. Pure: a document in, problems with their
 * JSON pointers out (lint turns them into file:line). The format itself is read by mock-state.ts; the runtime
 * is answers/declared/. Guide: docs/guides/declared-state.md.
 */
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { getPointer, splitPointer, joinPointer } from './json-pointer.js';
import {
  readMockState,
  type ActionDecl,
  type CodeRef,
  type CollectionDecl,
  type DocumentState,
  type FieldRef,
  type OperationState,
} from './mock-state.js';
import { seedProblems } from './mock-state-seeds.js';
import type { JsonObject } from './types.js';

export interface MockStateProblem {
  /** JSON pointer of the declaration at fault. */
  at: string;
  severity: 'error' | 'warning';
  message: string;
}

/** What the checks read of the document once: catalogue keys, x-messages, the dialect's choices. */
interface Context {
  doc: JsonObject;
  catalogue: Set<string>;
  messages: unknown;
  /** `x-dialect.anyCodeOnAnyOperation`: every catalogue code may answer every operation. */
  anyCode: boolean;
  collections: Map<string, CollectionDecl>;
  problems: MockStateProblem[];
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every problem of the document's declarations: the format problems `readMockState` finds, then what the
 * declarations name that the document does not have. Empty for a document without object `x-mock-state`.
 * `ajv` compiles the collections' schemas the seeds are checked against.
 */
export function checkMockState(doc: JsonObject, ajv: Ajv2020): MockStateProblem[] {
  const read = readMockState(doc);
  const problems: MockStateProblem[] = read.problems.map((p) => ({ ...p, severity: 'error' }));
  if (!read.document && !read.operations.size) return problems;
  const dialect = isObject(doc['x-dialect']) ? doc['x-dialect'] : undefined;
  const ctx: Context = {
    doc,
    catalogue: new Set(
      (Array.isArray(doc['x-error-catalog']) ? doc['x-error-catalog'] : []).flatMap((e) =>
        isObject(e) && typeof e['key'] === 'string' ? [e['key']] : [],
      ),
    ),
    messages: doc['x-messages'],
    anyCode: dialect?.['anyCodeOnAnyOperation'] === true,
    collections: read.document?.collections ?? new Map(),
    problems,
  };
  if (!dialect)
    problems.push({
      at: read.document?.at ?? [...read.operations.values()][0]!.at,
      severity: 'error',
      message:
        "x-mock-state declarations answer their codes in the document's own envelope, and this document has no x-dialect: add x-dialect and x-error-catalog (specs/CONVENTIONS.md), or remove the object forms of x-mock-state",
    });
  if (read.document) checkDocument(read.document, ctx, ajv);
  for (const op of read.operations.values()) checkOperation(op, ctx);
  return problems;
}

function error(ctx: Context, at: string, message: string): void {
  ctx.problems.push({ at, severity: 'error', message });
}

const declaredList = (ctx: Context): string =>
  ctx.collections.size ? `declared: ${[...ctx.collections.keys()].join(', ')}` : 'none is declared';

/** Whether `name` is a declared collection; an error naming `who` and the declared ones when not. */
function knownCollection(ctx: Context, name: string, at: string, who: string): CollectionDecl | undefined {
  const found = ctx.collections.get(name);
  if (!found)
    error(
      ctx,
      at,
      `${who} names collection "${name}", which x-mock-state.collections does not declare (${declaredList(ctx)}): declare it at the document's x-mock-state.collections, or name a declared one`,
    );
  return found;
}

function checkDocument(state: DocumentState, ctx: Context, ajv: Ajv2020): void {
  const schemas = (getPointer(ctx.doc, '/components/schemas') ?? {}) as Record<string, JsonObject>;
  for (const c of state.collections.values()) {
    const where = `collection ${c.name}`;
    for (const field of ['schema', 'generate'] as const) {
      const name = c[field];
      if (name !== undefined && !isObject(schemas[name]))
        error(
          ctx,
          `${c.at}/${field}`,
          `${where}: ${field} names "${name}", which components.schemas does not have: name one of its schemas`,
        );
    }
    const schema = c.schema ? schemas[c.schema] : undefined;
    if (isObject(schema) && !(c.key in propertiesOf(schema)) && !c.alsoStored?.includes(c.key))
      error(
        ctx,
        `${c.at}/key`,
        `${where}: its key "${c.key}" is not a property of its schema ${c.schema}: key it by one of ${Object.keys(propertiesOf(schema)).join(', ') || '(no properties)'}, or list it in alsoStored`,
      );
    ctx.problems.push(...seedProblems(c, schema, c.generate ? schemas[c.generate] : undefined, ajv));
  }
  if (state.auth) {
    const tokens = knownCollection(ctx, state.auth.collection, `${state.auth.at}/collection`, 'x-mock-state.auth');
    if (tokens && !tokens.token)
      error(
        ctx,
        `${state.auth.at}/collection`,
        `x-mock-state.auth checks tokens in collection ${tokens.name}, which is not a token collection: give ${tokens.name} token: { ttl: SECONDS }, or name the token collection`,
      );
    if (state.auth.invalid) {
      checkCode(ctx, state.auth.invalid, 'x-mock-state.auth invalid', undefined);
      for (const [id, op] of operationsOf(ctx.doc))
        if (op['x-auth'] !== undefined && !skipsAuth(op))
          checkCode(ctx, state.auth.invalid, 'x-mock-state.auth invalid', { id, op }, true);
    }
  }
}

/**
 * An operation one of whose declarations says `auth: false`: the document's token check never answers it (the
 * runtime checks tokens only when every branch keeps the check, answers/declared/declared-handlers.ts).
 */
const skipsAuth = (op: JsonObject): boolean => {
  const decl = op['x-mock-state'];
  return (Array.isArray(decl) ? decl : [decl]).some((b) => isObject(b) && b['auth'] === false);
};

/** The operations of the document by operationId (or `METHOD /path`), as readMockState names them. */
function operationsOf(doc: JsonObject): Array<[string, JsonObject]> {
  const out: Array<[string, JsonObject]> = [];
  for (const [path, item] of Object.entries(isObject(doc['paths']) ? doc['paths'] : {}))
    for (const [method, op] of Object.entries(isObject(item) ? item : {}))
      if (isObject(op) && isObject(op['responses']))
        out.push([typeof op['operationId'] === 'string' ? op['operationId'] : `${method.toUpperCase()} ${path}`, op]);
  return out;
}

/**
 * A code is a catalogue key, and (unless the dialect lets any code answer any operation) one of the operation's
 * x-codes: the mock would otherwise answer a code its own document says the operation never sends, and verify's
 * documented-code rule fails the mock itself. Its message, when named, is an x-messages text.
 */
function checkCode(
  ctx: Context,
  code: CodeRef,
  who: string,
  op: { id: string; op: JsonObject } | undefined,
  onlyXCodes = false,
): void {
  if (!ctx.catalogue.has(code.key)) {
    if (!onlyXCodes)
      error(
        ctx,
        code.at,
        `${who}: code "${code.key}" is not a key of x-error-catalog (${[...ctx.catalogue].join(', ') || 'empty'}): add an entry for it, or use a catalogue key`,
      );
    return;
  }
  const xcodes = op?.op['x-codes'];
  if (op && !ctx.anyCode && Array.isArray(xcodes) && !xcodes.includes(code.key))
    error(
      ctx,
      code.at,
      `${who}: ${op.id} can answer code "${code.key}", which is not in its x-codes [${xcodes.join(', ')}]: add "${code.key}" to ${op.id}'s x-codes`,
    );
  if (!onlyXCodes && code.message !== undefined && getPath(ctx.messages, code.message.split('.')) === undefined)
    error(
      ctx,
      code.at,
      `${who}: message "${code.message}" is not a text of x-messages: add it under the document's x-messages, or name one it has`,
    );
}

const getPath = (value: unknown, segments: string[]): unknown =>
  segments.reduce<unknown>((v, s) => (isObject(v) ? v[s] : undefined), value);

function checkOperation(state: OperationState, ctx: Context): void {
  const opAt = splitPointer(state.at).slice(0, -1);
  const op = (getPointer(ctx.doc, joinPointer(...opAt)) ?? {}) as JsonObject;
  const item = (getPointer(ctx.doc, joinPointer(...opAt.slice(0, -1))) ?? {}) as JsonObject;
  const fields = requestFields(item, op);
  state.branches.forEach((b, i) =>
    checkBranch(
      b,
      state.branches.length > 1 ? `${state.operationId} (branch ${i})` : state.operationId,
      { id: state.operationId, op },
      fields,
      ctx,
    ),
  );
}

function checkBranch(
  b: ActionDecl,
  who: string,
  op: { id: string; op: JsonObject },
  fields: RequestFields,
  ctx: Context,
): void {
  const target = knownCollection(ctx, b.collection, `${b.at}/collection`, `${who}: ${b.action}`);
  if (target && (b.action === 'issue' || b.action === 'renew') && !target.token)
    error(
      ctx,
      `${b.at}/collection`,
      `${who}: ${b.action} works on a token collection, and ${target.name} is not one: give ${target.name} token: { ttl: SECONDS }, or name the token collection`,
    );
  if (b.action === 'issue') {
    if (!b.credentials)
      error(
        ctx,
        b.at,
        `${who}: issue needs credentials: { collection: NAME, key: body.F, match: [fields] } naming the record the request must present`,
      );
    if (b.key)
      error(
        ctx,
        b.key.at,
        `${who}: issue makes a new token and names no record by key: remove key (the credentials' key names the credential record)`,
      );
  }
  for (const [field, role] of [
    [b.key, 'key'],
    [b.when, 'when'],
    [b.credentials?.key, 'credentials key'],
    ...b.refs.map((r, i) => [r.field, `refs[${i}] field`] as const),
    // The runtime reads each matched field where the credentials' key is (answers/declared/declared-actions.ts).
    ...(b.credentials?.match ?? []).map(
      (m, i) =>
        [{ in: b.credentials!.key.in, name: m, at: `${b.credentials!.at}/match/${i}` }, `credentials match`] as const,
    ),
  ] as const)
    if (field) checkField(ctx, field, `${who}: ${role}`, fields);
  b.refs.forEach((r, i) => knownCollection(ctx, r.collection, `${r.at}/collection`, `${who}: refs[${i}]`));
  if (b.credentials)
    knownCollection(ctx, b.credentials.collection, `${b.credentials.at}/collection`, `${who}: credentials`);
  for (const [code, name] of [
    [b.missing, 'missing'],
    [b.duplicate, 'duplicate'],
    [b.invalid, 'invalid'],
    [b.messageCode, 'message'],
    ...b.refs.map((r, i) => [r.missing, `refs[${i}] missing`] as const),
  ] as const)
    if (code) checkCode(ctx, code, `${who}: ${name}`, op);
  if (b.answer.kind === 'data') checkTemplate(ctx, b.answer.template, `${b.at}/answer/data`, who);
}

/** The names `answer.data` templates may use besides `record.F` (answers/declared/answer-template.ts answers them). */
export const TEMPLATE_PLACEHOLDERS = ['token', 'ttl', 'expire', 'expiresAt', 'record', 'key'] as const;

/** Each `"{{name}}"` of an answer template names a value the runtime fills. */
function checkTemplate(ctx: Context, template: unknown, at: string, who: string): void {
  if (typeof template === 'string') {
    const name = /^\{\{([A-Za-z_][\w.-]*)\}\}$/.exec(template)?.[1];
    if (name && !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name) && !name.startsWith('record.'))
      error(
        ctx,
        at,
        `${who}: answer template names {{${name}}}, which is not a value the mock fills: use one of ${TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')} or {{record.FIELD}}`,
      );
    return;
  }
  if (Array.isArray(template)) template.forEach((t, i) => checkTemplate(ctx, t, `${at}/${i}`, who));
  else if (isObject(template))
    for (const [k, v] of Object.entries(template)) checkTemplate(ctx, v, joinPointer(...splitPointer(at), k), who);
}

/** The request fields an operation takes, by where they are (header names lower-case). */
interface RequestFields {
  body: Set<string>;
  query: Set<string>;
  path: Set<string>;
  header: Set<string>;
}

function requestFields(item: JsonObject, op: JsonObject): RequestFields {
  const fields: RequestFields = { body: new Set(), query: new Set(), path: new Set(), header: new Set() };
  for (const p of [...asList(item['parameters']), ...asList(op['parameters'])]) {
    const place = p['in'];
    if (typeof p['name'] !== 'string') continue;
    if (place === 'query' || place === 'path') fields[place].add(p['name']);
    if (place === 'header') fields.header.add(p['name'].toLowerCase());
  }
  const content = getPointer(op, '/requestBody/content');
  for (const media of Object.values(isObject(content) ? content : {}))
    if (isObject(media)) for (const name of Object.keys(propertiesOf(media['schema']))) fields.body.add(name);
  return fields;
}

const asList = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** The properties a (dereferenced) schema declares, through allOf, anyOf and oneOf. */
export function propertiesOf(schema: unknown, depth = 0): Record<string, JsonObject> {
  if (!isObject(schema) || depth > 8) return {};
  const out: Record<string, JsonObject> = { ...(isObject(schema['properties']) ? schema['properties'] : {}) } as Record<
    string,
    JsonObject
  >;
  for (const combinator of ['allOf', 'anyOf', 'oneOf'])
    for (const sub of asList(schema[combinator])) Object.assign(out, propertiesOf(sub, depth + 1));
  return out;
}

function checkField(ctx: Context, field: FieldRef, who: string, fields: RequestFields): void {
  const name = field.in === 'header' ? field.name.toLowerCase() : field.name;
  if (fields[field.in].has(name)) return;
  const elsewhere = (['body', 'query', 'path', 'header'] as const).filter((p) => fields[p].has(name));
  const has = [...fields[field.in]];
  error(
    ctx,
    field.at,
    `${who} ${field.in}.${field.name} is not a field of the request's ${field.in === 'body' ? 'body' : `${field.in} parameters`} (${has.length ? `it has ${has.join(', ')}` : 'it has none'})${elsewhere.length ? `: write ${elsewhere[0]}.${field.name}` : ': name a field the request carries, or document this one'}`,
  );
}
