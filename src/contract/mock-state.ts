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
 *   message: Delete success   # the success envelope's message (default: the dialect's)
 * ```
 *
 * Codes (`missing`, `duplicate`, `invalid`, refs' `missing`) are catalogue keys, or `{ code: KEY, message: NAME }`
 * where NAME is an `x-messages` text that replaces the catalogue's message (wuhan-eduyun's one failure code).
 * Templates (`answer.data`) are JSON whose string values `"{{name}}"` are replaced, typed: `{{token}}`, `{{ttl}}`
 * (seconds, a number), `{{expire}}` (yyyy-MM-dd HH:mm:ss on the mock clock), `{{expiresAt}}` (epoch ms),
 * `{{record}}` (the stored record), `{{record.F}}`, `{{key}}`.
 * Documents without an object `x-mock-state` keep REST-shaped state (`false` and `strict` as before).
 */
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
