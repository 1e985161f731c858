/**
 * `x-mock-state` as an object: what a document declares about the session's records, so that a served document
 * (and the built-in specs) answer statefully without handler code. This file is the format: its types, and
 * `readMockState`, which turns a document's raw extensions into them with the JSON pointer of every part (for
 * lint's file:line messages). The runtime that executes declarations lives in `answers/declared/`; the checks
 * against the catalogue and the schemas in `mock-state-checks.ts`. User guide: docs/guides/declared-state.md.
 *
 * Document level (beside `x-dialect`), the collections and how tokens are checked:
 *
 * ```yaml
 * x-mock-state:
 *   collections:
 *     apps:   { key: appid, schema: GetTokenRequest, seed: [{ appid: demo-app, secret: demo-secret }] }
 *     tokens: { key: access_token, token: { ttl: 7200, length: 40 } }
 *     schools: { key: otherId, schema: SaveSchoolRequest, notStored: [access_token] }
 *   auth: { collection: tokens, invalid: "403" }     # every operation with x-auth checks its token here
 * ```
 *
 * Operation level, what the operation does (a list of them is tried in order, the first whose `when` holds):
 *
 * ```yaml
 * x-mock-state:
 *   action: upsert            # issue | renew | create | upsert | read | list | delete
 *   collection: users
 *   key: body.uid             # body.F | query.F | path.F | header.F (a form body is `body`)
 *   merge: true               # upsert keeps the stored fields a request leaves out
 *   defaults: { type: 2 }     # fields a new record starts with
 *   refs:                     # each field present must name a stored record, else its code
 *     - { field: body.otherSchoolId, collection: schools, missing: "40410" }
 *   missing: "40430"          # read/delete (and upsert with `existing: required`) of a key with no record
 *   duplicate: "4090"         # create of a key already stored
 *   answer: record            # record | none | list | { fields: [a, b] } | { data: <template> }
 *   message: Delete success   # the success envelope's message (default: the dialect's); { code: KEY }: that
 *                             # catalogue entry's message (wuhan-eduyun's 000000 请求成功)
 * ```
 *
 * Codes (`missing`, `duplicate`, `invalid`, refs' `missing`) are catalogue keys, or `{ code: KEY, message: NAME }`
 * where NAME is an `x-messages` text that replaces the catalogue's message (wuhan-eduyun's one failure code).
 * Templates (`answer.data`) are JSON whose string values `"{{name}}"` are replaced, typed: `{{token}}`, `{{ttl}}`
 * (seconds, a number), `{{expire}}` (yyyy-MM-dd HH:mm:ss on the mock clock), `{{expiresAt}}` (epoch ms),
 * `{{record}}` (the stored record), `{{record.F}}`, `{{key}}`.
 * Documents without an object `x-mock-state` keep REST-shaped state (`false` and `strict` as before).
 */
import { joinPointer } from './json-pointer.js';
import type { JsonObject } from './types.js';

/** Where a request carries a value: `body.otherId`, `query.org_id`, `path.uid`, `header.x-token`. */
export interface FieldRef {
  in: 'body' | 'query' | 'path' | 'header';
  name: string;
  /** JSON pointer of the declaration in the document (for lint messages). */
  at: string;
}

/** A catalogue key, with an optional `x-messages` text name that replaces the catalogue's message. */
export interface CodeRef {
  key: string;
  message?: string;
  at: string;
}

export interface TokenRules {
  /** Seconds a new token lives on the mock clock; absent: it never expires. */
  ttl?: number;
  /** Length of a generated token (letters and digits); default 40. */
  length: number;
  /** Live tokens kept per credential record (the oldest dropped beyond it); default 100. */
  keep: number;
}

export interface CollectionDecl {
  name: string;
  /** The record field that keys the collection. */
  key: string;
  description?: string;
  /** A `components.schemas` entry records are checked against when seeded (admin, scenario `given`). */
  schema?: string;
  /** Fields that schema requires of a request but a stored record does not need. */
  notStored?: string[];
  alsoStored?: string[];
  /** Fields a seeded record leaves out are generated from this `components.schemas` entry. */
  generate?: string;
  /** Fields every seeded record starts with. */
  defaults?: JsonObject;
  /** Records every new or reset session starts with. */
  seed: JsonObject[];
  /** A token collection: records carry `expiresAt` (epoch ms on the mock clock) and are issued and renewed. */
  token?: TokenRules;
  at: string;
}

export interface AuthDecl {
  /** The token collection presented tokens are looked up in. */
  collection: string;
  /** Answered for a missing, unknown or expired token; default the dialect's `unauthorized` role. */
  invalid?: CodeRef;
  at: string;
}

export interface RefDecl {
  field: FieldRef;
  collection: string;
  missing: CodeRef;
  at: string;
}

export type AnswerDecl =
  | { kind: 'record' }
  | { kind: 'none' }
  | { kind: 'list' }
  | { kind: 'fields'; fields: string[] }
  | { kind: 'data'; template: unknown };

export type ActionKind = 'issue' | 'renew' | 'create' | 'upsert' | 'read' | 'list' | 'delete';

export interface ActionDecl {
  action: ActionKind;
  /** The branch applies when this field is present in the request (absent: always). */
  when?: FieldRef;
  collection: string;
  /** Where the record's key comes from (issue: none; list: none). */
  key?: FieldRef;
  merge: boolean;
  defaults?: JsonObject;
  refs: RefDecl[];
  missing?: CodeRef;
  duplicate?: CodeRef;
  /** upsert: `existing: required` answers `missing` when no record has the key (an update, not a create). */
  existing?: 'required';
  /** issue: the credential record the request must name, and the fields that must equal the stored ones. */
  credentials?: { collection: string; key: FieldRef; match: string[]; at: string };
  /** issue / renew: answered when the credentials or the token are not good. */
  invalid?: CodeRef;
  /** issue / renew: seconds the token lives (default the collection's `token.ttl`). */
  ttl?: number;
  /** Fields of the request not stored (the token the call presents). */
  notStored: string[];
  answer: AnswerDecl;
  message?: string;
  /** `message: { code: KEY }`: the success message is that catalogue entry's (an extension for wuhan-eduyun's 请求成功). */
  messageCode?: CodeRef;
  /** `auth: false` on an operation with x-auth skips the document's token check. */
  auth: boolean;
  at: string;
}

export interface DocumentState {
  collections: Map<string, CollectionDecl>;
  auth?: AuthDecl;
  at: string;
}

/** An operation's declared behaviour: its branches in order. */
export interface OperationState {
  operationId: string;
  branches: ActionDecl[];
  at: string;
}

export interface MockStateDeclarations {
  document?: DocumentState;
  operations: Map<string, OperationState>;
  /** Format errors, each with the pointer of the part at fault (lint prints file:line from it). */
  problems: { at: string; message: string }[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const ACTIONS: readonly ActionKind[] = ['issue', 'renew', 'create', 'upsert', 'read', 'list', 'delete'];
const PLACES = ['body', 'query', 'path', 'header'] as const;
/** Actions that name their record by a key in the request. */
const KEYED: readonly ActionKind[] = ['renew', 'create', 'upsert', 'read', 'delete'];

type Problems = MockStateDeclarations['problems'];

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The document's `x-mock-state` declarations (document level and per operation), or none when it declares
 * no object form. Never throws: a malformed part is a problem with its pointer, and is left out.
 */
export function readMockState(doc: JsonObject): MockStateDeclarations {
  const problems: Problems = [];
  const operations = new Map<string, OperationState>();
  const top = doc['x-mock-state'];
  const document = isObject(top) ? readDocument(top, '/x-mock-state', problems) : undefined;
  const paths = isObject(doc['paths']) ? doc['paths'] : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const raw = op['x-mock-state'];
      if (!isObject(raw) && !Array.isArray(raw)) continue;
      const at = joinPointer('paths', path, method, 'x-mock-state');
      const id = typeof op['operationId'] === 'string' ? op['operationId'] : `${method.toUpperCase()} ${path}`;
      const list = Array.isArray(raw) ? raw : [raw];
      const branches = list.flatMap((b, i) => {
        const bat = Array.isArray(raw) ? `${at}/${i}` : at;
        if (!isObject(b)) return note(problems, bat, 'a declaration is an object with an action');
        const branch = readAction(b, bat, problems);
        return branch ? [branch] : [];
      });
      if (branches.length) operations.set(id, { operationId: id, branches, at });
    }
  }
  return { document, operations, problems };
}

function note(problems: Problems, at: string, message: string): [] {
  problems.push({ at, message: `x-mock-state: ${message}` });
  return [];
}

function readDocument(raw: JsonObject, at: string, problems: Problems): DocumentState {
  const collections = new Map<string, CollectionDecl>();
  const declared = raw['collections'];
  if (declared !== undefined && !isObject(declared)) note(problems, `${at}/collections`, 'collections is an object');
  for (const [name, c] of Object.entries(isObject(declared) ? declared : {})) {
    const cat = joinPointer('x-mock-state', 'collections', name);
    if (!isObject(c) || typeof c['key'] !== 'string') {
      note(problems, cat, `collection ${name} needs a key (the record field that names a record)`);
      continue;
    }
    const seed = c['seed'] === undefined ? [] : c['seed'];
    if (!Array.isArray(seed) || !seed.every(isObject)) note(problems, `${cat}/seed`, 'seed is a list of records');
    collections.set(name, {
      name,
      key: c['key'],
      description: typeof c['description'] === 'string' ? c['description'] : undefined,
      schema: stringOf(c, 'schema', cat, problems),
      notStored: stringsOf(c, 'notStored', cat, problems),
      alsoStored: stringsOf(c, 'alsoStored', cat, problems),
      generate: stringOf(c, 'generate', cat, problems),
      defaults: objectOf(c, 'defaults', cat, problems),
      seed: Array.isArray(seed) ? seed.filter(isObject) : [],
      token: c['token'] === undefined ? undefined : readToken(c['token'], `${cat}/token`, problems),
      at: cat,
    });
  }
  let auth: AuthDecl | undefined;
  const a = raw['auth'];
  if (isObject(a) && typeof a['collection'] === 'string') {
    auth = {
      collection: a['collection'],
      invalid: codeOf(a['invalid'], `${at}/auth/invalid`, problems),
      at: `${at}/auth`,
    };
  } else if (a !== undefined) note(problems, `${at}/auth`, 'auth is { collection: NAME, invalid?: CODE }');
  return { collections, auth, at };
}

function readToken(raw: unknown, at: string, problems: Problems): TokenRules | undefined {
  if (raw === true) return { length: 40, keep: 100 };
  if (!isObject(raw)) return (note(problems, at, 'token is true or { ttl?, length?, keep? }'), undefined);
  const num = (name: string, fallback?: number): number | undefined => {
    const v = raw[name];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    note(problems, `${at}/${name}`, `${name} is a whole number above 0`);
    return fallback;
  };
  return { ttl: num('ttl'), length: num('length', 40)!, keep: num('keep', 100)! };
}

function readAction(raw: JsonObject, at: string, problems: Problems): ActionDecl | undefined {
  const action = raw['action'] as ActionKind;
  if (!ACTIONS.includes(action))
    return (note(problems, `${at}/action`, `action is one of ${ACTIONS.join(', ')}`), undefined);
  if (typeof raw['collection'] !== 'string')
    return (note(problems, `${at}/collection`, 'collection names a declared collection'), undefined);
  const key = raw['key'] === undefined ? undefined : fieldOf(raw['key'], `${at}/key`, problems);
  if (KEYED.includes(action) && !key)
    return (note(problems, `${at}/key`, `a ${action} needs key: body.F, query.F, path.F or header.F`), undefined);
  const refs: RefDecl[] = [];
  const rawRefs = raw['refs'] ?? [];
  if (!Array.isArray(rawRefs)) note(problems, `${at}/refs`, 'refs is a list');
  (Array.isArray(rawRefs) ? rawRefs : []).forEach((r, i) => {
    const rat = `${at}/refs/${i}`;
    const field = isObject(r) ? fieldOf(r['field'], `${rat}/field`, problems) : undefined;
    const missing = isObject(r) ? codeOf(r['missing'], `${rat}/missing`, problems) : undefined;
    if (!isObject(r) || !field || !missing || typeof r['collection'] !== 'string')
      return void note(problems, rat, 'a ref is { field: body.F, collection: NAME, missing: CODE }');
    refs.push({ field, collection: r['collection'], missing, at: rat });
  });
  let credentials: ActionDecl['credentials'];
  const c = raw['credentials'];
  if (c !== undefined) {
    const cat = `${at}/credentials`;
    const ckey = isObject(c) ? fieldOf(c['key'], `${cat}/key`, problems) : undefined;
    if (isObject(c) && ckey && typeof c['collection'] === 'string')
      credentials = {
        collection: c['collection'],
        key: ckey,
        match: stringsOf(c, 'match', cat, problems) ?? [],
        at: cat,
      };
    else note(problems, cat, 'credentials is { collection: NAME, key: body.F, match?: [fields] }');
  }
  const ttl = raw['ttl'];
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0))
    note(problems, `${at}/ttl`, 'ttl is a whole number of seconds above 0');
  return {
    action,
    when: raw['when'] === undefined ? undefined : fieldOf(raw['when'], `${at}/when`, problems),
    collection: raw['collection'],
    key,
    merge: raw['merge'] === true,
    defaults: objectOf(raw, 'defaults', at, problems),
    refs,
    missing: raw['missing'] === undefined ? undefined : codeOf(raw['missing'], `${at}/missing`, problems),
    duplicate: raw['duplicate'] === undefined ? undefined : codeOf(raw['duplicate'], `${at}/duplicate`, problems),
    existing: existingOf(raw['existing'], `${at}/existing`, problems),
    credentials,
    invalid: raw['invalid'] === undefined ? undefined : codeOf(raw['invalid'], `${at}/invalid`, problems),
    ttl: typeof ttl === 'number' ? ttl : undefined,
    notStored: stringsOf(raw, 'notStored', at, problems) ?? [],
    answer: answerOf(raw['answer'], action, `${at}/answer`, problems),
    message: typeof raw['message'] === 'string' ? raw['message'] : undefined,
    messageCode: messageCodeOf(raw['message'], `${at}/message`, problems),
    auth: raw['auth'] !== false,
    at,
  };
}

/** `body.otherId` → { in: body, name: otherId }. */
function fieldOf(raw: unknown, at: string, problems: Problems): FieldRef | undefined {
  const dot = typeof raw === 'string' ? raw.indexOf('.') : -1;
  const place = dot > 0 ? (raw as string).slice(0, dot) : '';
  if (dot < 0 || !(PLACES as readonly string[]).includes(place) || dot === (raw as string).length - 1)
    return (
      note(problems, at, `a field is written body.F, query.F, path.F or header.F, not ${JSON.stringify(raw)}`),
      undefined
    );
  return { in: place as FieldRef['in'], name: (raw as string).slice(dot + 1), at };
}

function existingOf(raw: unknown, at: string, problems: Problems): 'required' | undefined {
  if (raw === undefined || raw === 'required') return raw;
  return (note(problems, at, 'existing is required (the record must exist) or absent'), undefined);
}

/** `message: { code: KEY }`; a string message is read apart, anything else is a problem. */
function messageCodeOf(raw: unknown, at: string, problems: Problems): CodeRef | undefined {
  if (raw === undefined || typeof raw === 'string') return undefined;
  if (isObject(raw) && typeof raw['code'] === 'string' && Object.keys(raw).length === 1)
    return { key: raw['code'], at };
  return (note(problems, at, "message is a text or { code: KEY } (that catalogue entry's message)"), undefined);
}

function codeOf(raw: unknown, at: string, problems: Problems): CodeRef | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') return { key: raw, at };
  if (
    isObject(raw) &&
    typeof raw['code'] === 'string' &&
    (raw['message'] === undefined || typeof raw['message'] === 'string')
  )
    return { key: raw['code'], message: raw['message'] as string | undefined, at };
  return (
    note(problems, at, 'a code is a catalogue key ("40410") or { code: KEY, message: X-MESSAGES-NAME }'),
    undefined
  );
}

function answerOf(raw: unknown, action: ActionKind, at: string, problems: Problems): AnswerDecl {
  const fallback: AnswerDecl =
    action === 'list' ? { kind: 'list' } : action === 'delete' ? { kind: 'none' } : { kind: 'record' };
  if (raw === undefined) return fallback;
  if (raw === 'record' || raw === 'none' || raw === 'list') return { kind: raw };
  if (isObject(raw) && Array.isArray(raw['fields']) && raw['fields'].every((f) => typeof f === 'string'))
    return { kind: 'fields', fields: raw['fields'] as string[] };
  if (isObject(raw) && 'data' in raw) return { kind: 'data', template: raw['data'] };
  note(problems, at, 'answer is record, none, list, { fields: [names] } or { data: TEMPLATE }');
  return fallback;
}

function stringOf(raw: JsonObject, name: string, at: string, problems: Problems): string | undefined {
  const v = raw[name];
  if (v === undefined || typeof v === 'string') return v;
  return (note(problems, `${at}/${name}`, `${name} is a string`), undefined);
}

function stringsOf(raw: JsonObject, name: string, at: string, problems: Problems): string[] | undefined {
  const v = raw[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  return (note(problems, `${at}/${name}`, `${name} is a list of field names`), undefined);
}

function objectOf(raw: JsonObject, name: string, at: string, problems: Problems): JsonObject | undefined {
  const v = raw[name];
  if (v === undefined || isObject(v)) return v;
  return (note(problems, `${at}/${name}`, `${name} is an object`), undefined);
}
