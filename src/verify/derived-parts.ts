/**
 * The parts derived verify flows are made of: the run's values, a declared branch with its documented request,
 * the keys a run writes, and how a field of a request is set. Knows nothing of which steps a flow takes
 * (derive-flow.ts) nor of HTTP.
 */
import type { ApiContract } from '../contract/compile-contract.js';
import { getPath } from '../contract/json-pointer.js';
import type { ActionDecl, CollectionDecl, FieldRef } from '../contract/mock-state.js';
import { propertiesOf } from '../contract/mock-state-checks.js';
import type { JsonObject, Operation } from '../contract/types.js';
import type { FlowStep } from '../apis/verify-flow.js';
import type { RequestParts } from './build-requests.js';

export interface Values {
  /** A number unique to the run: every key the flow writes is made from it. */
  n: number;
  token: string;
  credentials: Record<string, string>;
}

/** One declared branch of one operation, with the request its documented example makes. */
export interface Use {
  op: Operation;
  branch: ActionDecl;
  /** The branches before this one: their `when` fields are left out so this branch is the one taken. */
  earlier: ActionDecl[];
  example: RequestParts;
}

/** A collection the flow writes: its write, and the read and delete that name its records. */
export interface Plan {
  collection: CollectionDecl;
  write: Use;
  read?: Use;
  del?: Use;
  /** The schema of the write's key field: what kind of key the flow makes. */
  keySchema: JsonObject | undefined;
}

export type Step = FlowStep<Values>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATA_MARK = '\u0000data';

/** Where the success envelope carries its data (`['data']`, `['body']`, `['result']`), found by rendering it. */
export function dataPath(api: ApiContract, op: Operation): string[] {
  const find = (v: unknown, path: string[]): string[] | undefined => {
    if (v === DATA_MARK) return path;
    if (!isObject(v)) return undefined;
    for (const [k, c] of Object.entries(v)) {
      const hit = find(c, [...path, k]);
      if (hit) return hit;
    }
    return undefined;
  };
  return find(api.dialect.success(op, { data: DATA_MARK }), []) ?? ['data'];
}

/** The path of `"{{token}}"` in an answer template, or undefined. */
export function templatePath(template: unknown, mark: string, path: string[] = []): string[] | undefined {
  if (template === mark) return path;
  if (!isObject(template)) return undefined;
  for (const [k, v] of Object.entries(template)) {
    const hit = templatePath(v, mark, [...path, k]);
    if (hit) return hit;
  }
  return undefined;
}

function bodySchema(op: Operation): JsonObject | undefined {
  const content = getPath(op.raw, ['requestBody', 'content']);
  const media = isObject(content) ? Object.values(content).find(isObject) : undefined;
  return isObject(media?.['schema']) ? media['schema'] : undefined;
}

export function fieldSchema(op: Operation, field: FieldRef): JsonObject | undefined {
  if (field.in === 'body') return propertiesOf(bodySchema(op))[field.name];
  const param = ((op.raw['parameters'] ?? []) as JsonObject[]).find(
    (p) => p['in'] === field.in && p['name'] === field.name,
  );
  return isObject(param?.['schema']) ? param['schema'] : undefined;
}

/** A key for a record of this run: `variant` 0 the record, 1 a parent that does not exist, 2 a child left orphan. */
export function keyFor(schema: JsonObject | undefined, n: number, variant: number): string | number {
  const type = Array.isArray(schema?.['type']) ? schema['type'][0] : schema?.['type'];
  if (type === 'integer' || type === 'number') {
    const min = typeof schema?.['minimum'] === 'number' ? schema['minimum'] : 700_000_000;
    const max = typeof schema?.['maximum'] === 'number' ? schema['maximum'] : 999_999_999;
    const span = Math.max(1, max - min - 3);
    return Math.ceil(min) + ((n * 3) % span) + variant;
  }
  if (schema?.['format'] === 'uuid')
    return `00000000-0000-4000-8000-${(n * 3 + variant).toString(16).padStart(12, '0').slice(-12)}`;
  let key = `cm${n.toString(36)}${variant}`;
  const max = schema?.['maxLength'];
  const min = schema?.['minLength'];
  if (typeof max === 'number' && key.length > max) key = key.slice(-max);
  if (typeof min === 'number' && key.length < min) key = key.padStart(min, '0');
  return key;
}

/** Sets a field of a request (a header cannot be set: the caller leaves out what names one). */
export function setField(parts: RequestParts, field: FieldRef, value: unknown): void {
  if (field.in === 'body') parts.body = { ...parts.body, [field.name]: value };
  else if (field.in === 'query' || field.in === 'path') parts[field.in][field.name] = value;
}

export function unsetField(parts: RequestParts, field: FieldRef): void {
  if (field.in === 'body' && parts.body) delete parts.body[field.name];
  else if (field.in === 'query' || field.in === 'path') delete parts[field.in][field.name];
}

/** The request of a use: its example, the earlier branches' `when` fields out, the token where x-auth reads it. */
export function requestOf(use: Use, v: Values): RequestParts {
  const parts = structuredClone(use.example);
  for (const b of use.earlier) if (b.when && b.when.name !== use.branch.when?.name) unsetField(parts, b.when);
  const auth = use.op.auth;
  if (auth) setField(parts, { in: auth.in === 'form' ? 'body' : auth.in, name: auth.name, at: '' }, v.token);
  return parts;
}
