/**
 * Spec diff: the changes between two versions of one OpenAPI document, each marked breaking or not for a
 * client, with its JSON pointer in both documents. Covers what OpenAPI diff tools do (operations, parameters,
 * bodies, schemas) and what they cannot know: the business codes an operation answers (`x-codes`), the error
 * catalogue and the envelopes (`x-dialect`). Knows nothing of recorded calls (diff-usage.ts narrows to them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../contract/types.js';
import {
  RawDocument,
  diffSchema,
  escape,
  isObject,
  same,
  type SchemaChange,
  type Side,
  type Touch,
} from './schema-diff.js';
import { diffDialect } from './dialect-diff.js';

export interface SpecChange extends SchemaChange {
  side: Side | 'document';
  api: string;
  /** The operation changed (its id in the old document, else in the new); null for a change to the whole API. */
  operationId: string | null;
  method?: string;
  path?: string;
}

export interface SpecDiff {
  api: string;
  old: string;
  new: string;
  changes: SpecChange[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Reads an OpenAPI document (YAML or JSON) as written. Throws with the file name when it is not one. */
export function readDocument(file: string): JsonObject {
  const doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
  if (!isObject(doc) || typeof doc['openapi'] !== 'string' || !isObject(doc['paths']))
    throw new Error(`${file} is not an OpenAPI 3.x document (no "openapi" version or no "paths")`);
  return doc;
}

/** The API a document describes: `info.x-api`, else its file name. */
export function apiOf(doc: JsonObject, file: string): string {
  const named = (doc['info'] as JsonObject | undefined)?.['x-api'];
  return typeof named === 'string'
    ? named
    : basename(file)
        .replace(/\.(ya?ml|json)$/i, '')
        .replace(/\.openapi$/i, '');
}

export function diffSpecFiles(oldFile: string, newFile: string): SpecDiff {
  const old = readDocument(oldFile);
  return {
    api: apiOf(old, oldFile),
    old: oldFile,
    new: newFile,
    changes: diffSpecs(old, readDocument(newFile), apiOf(old, oldFile)),
  };
}

export interface OperationAt {
  method: string;
  path: string;
  pointer: string;
  node: JsonObject;
  pathItem: JsonObject;
  pathPointer: string;
}

function operationsOf(doc: JsonObject): Map<string, OperationAt> {
  const ops = new Map<string, OperationAt>();
  for (const [path, item] of Object.entries(doc['paths'] as JsonObject)) {
    if (!isObject(item)) continue;
    const pathPointer = `/paths/${escape(path)}`;
    for (const method of METHODS) {
      const node = item[method];
      if (isObject(node))
        ops.set(`${method.toUpperCase()} ${path}`, {
          method: method.toUpperCase(),
          path,
          pointer: `${pathPointer}/${method}`,
          node,
          pathItem: item,
          pathPointer,
        });
    }
  }
  return ops;
}

export function diffSpecs(oldDoc: JsonObject, newDoc: JsonObject, api: string): SpecChange[] {
  const old = new RawDocument(oldDoc);
  const next = new RawDocument(newDoc);
  const out: SpecChange[] = [];
  const oldOps = operationsOf(oldDoc);
  const newOps = operationsOf(newDoc);
  const base = (op: OperationAt) => ({
    api,
    operationId: typeof op.node['operationId'] === 'string' ? op.node['operationId'] : null,
    method: op.method,
    path: op.path,
  });

  for (const [key, o] of oldOps) {
    const n = newOps.get(key);
    if (!n) {
      out.push({
        ...base(o),
        side: 'request',
        kind: 'operation-removed',
        breaking: true,
        message: `${key}: operation removed`,
        oldPointer: o.pointer,
        newPointer: isObject((newDoc['paths'] as JsonObject)[o.path]) ? o.pathPointer : '/paths',
        touch: { kind: 'any' },
      });
      continue;
    }
    const found: Array<SchemaChange & { side: Side | 'document' }> = [];
    diffOperation(old, next, o, n, found);
    out.push(...found.map((c) => ({ ...base(o), ...c })));
  }
  for (const [key, n] of newOps) {
    if (!oldOps.has(key))
      out.push({
        ...base(n),
        side: 'request',
        kind: 'operation-added',
        breaking: false,
        message: `${key}: operation added`,
        oldPointer: '/paths',
        newPointer: n.pointer,
        touch: { kind: 'any' },
      });
  }
  diffDialect(oldDoc, newDoc, api, oldOps, out);
  return out;
}

type Found = Array<SchemaChange & { side: Side | 'document' }>;

function parametersOf(doc: RawDocument, op: OperationAt): Map<string, { node: JsonObject; pointer: string }> {
  const params = new Map<string, { node: JsonObject; pointer: string }>();
  const lists: Array<[unknown, string]> = [
    [op.pathItem['parameters'], `${op.pathPointer}/parameters`],
    [op.node['parameters'], `${op.pointer}/parameters`],
  ];
  for (const [list, pointer] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      const r = doc.resolve(p, `${pointer}/${i}`);
      if (isObject(r.node) && typeof r.node['name'] === 'string')
        params.set(`${String(r.node['in'])} ${r.node['name']}`, { node: r.node, pointer: r.pointer });
    });
  }
  return params;
}

/** Where a parameter sits in a recorded call. */
const callPointer = (where: string, name: string): string =>
  where === 'header' ? `/headers/${escape(name.toLowerCase())}` : `/${where}/${escape(name)}`;

function diffOperation(old: RawDocument, next: RawDocument, o: OperationAt, n: OperationAt, out: Found): void {
  diffParameters(old, next, o, n, out);
  diffRequestBody(old, next, o, n, out);
  diffResponses(old, next, o, n, out);
  for (const k of ['summary', 'description'] as const) {
    if (!same(o.node[k], n.node[k]))
      out.push({
        kind: 'description-changed',
        breaking: false,
        message: `operation ${k} edited`,
        oldPointer: `${o.pointer}/${k}`,
        newPointer: `${n.pointer}/${k}`,
        touch: { kind: 'any' },
        side: 'document',
      });
  }
  diffCodes(o, n, out);
}

/** Parameters by place and name: removed, added, now required or optional, and their schemas. */
function diffParameters(old: RawDocument, next: RawDocument, o: OperationAt, n: OperationAt, out: Found): void {
  const push = (c: SchemaChange): number => out.push({ ...c, side: 'request' });
  const pa = parametersOf(old, o);
  const pb = parametersOf(next, n);
  for (const [key, p] of pa) {
    const [where, name] = [String(p.node['in']), String(p.node['name'])];
    const at = callPointer(where, name);
    const q = pb.get(key);
    if (!q) {
      push({
        kind: 'parameter-removed',
        breaking: true,
        message: `${where} parameter ${name} removed`,
        oldPointer: p.pointer,
        newPointer: `${n.pointer}/parameters`,
        touch: { kind: 'present', at },
      });
      continue;
    }
    if (q.node['required'] === true && p.node['required'] !== true)
      push({
        kind: 'parameter-required',
        breaking: true,
        message: `${where} parameter ${name} is now required`,
        oldPointer: p.pointer,
        newPointer: `${q.pointer}/required`,
        touch: { kind: 'absent', at },
      });
    if (p.node['required'] === true && q.node['required'] !== true)
      push({
        kind: 'parameter-optional',
        breaking: false,
        message: `${where} parameter ${name} is no longer required`,
        oldPointer: `${p.pointer}/required`,
        newPointer: q.pointer,
        touch: { kind: 'any' },
      });
    const changes: SchemaChange[] = [];
    diffSchema(
      'request',
      old,
      next,
      p.node['schema'],
      `${p.pointer}/schema`,
      q.node['schema'],
      `${q.pointer}/schema`,
      at,
      changes,
    );
    if (!same(p.node['description'], q.node['description']))
      changes.push({
        kind: 'description-changed',
        breaking: false,
        message: `${where} parameter ${name}: description edited`,
        oldPointer: `${p.pointer}/description`,
        newPointer: `${q.pointer}/description`,
        touch: { kind: 'any' },
      });
    changes.forEach((c) => push(c));
  }
  for (const [key, q] of pb) {
    if (pa.has(key)) continue;
    const [where, name] = [String(q.node['in']), String(q.node['name'])];
    const required = q.node['required'] === true;
    push({
      kind: required ? 'parameter-added-required' : 'parameter-added',
      breaking: required,
      message: `${where} parameter ${name} added${required ? ', required' : ''}`,
      oldPointer: `${o.pointer}/parameters`,
      newPointer: q.pointer,
      touch: required ? { kind: 'absent', at: callPointer(where, name) } : { kind: 'any' },
    });
  }
}

/** The schema changes of one media type kept by both versions of a request body or a response. */
function diffMediaSchema(
  side: Side,
  old: RawDocument,
  next: RawDocument,
  at: { ca: JsonObject; cb: JsonObject; media: string; p: string; a: string; b: string },
  out: Found,
): void {
  const changes: SchemaChange[] = [];
  const schemaOf = (content: JsonObject): unknown => (content[at.media] as JsonObject)['schema'];
  const [oldAt, newAt] = [`${at.a}${at.p}/schema`, `${at.b}${at.p}/schema`];
  diffSchema(side, old, next, schemaOf(at.ca), oldAt, schemaOf(at.cb), newAt, '/body', changes);
  out.push(...changes.map((c) => ({ ...c, side })));
}

function diffRequestBody(old: RawDocument, next: RawDocument, o: OperationAt, n: OperationAt, out: Found): void {
  const a = old.resolve(o.node['requestBody'], `${o.pointer}/requestBody`);
  const b = next.resolve(n.node['requestBody'], `${n.pointer}/requestBody`);
  const ba = isObject(a.node) ? a.node : {};
  const bb = isObject(b.node) ? b.node : {};
  if (bb['required'] === true && ba['required'] !== true)
    out.push({
      side: 'request',
      kind: 'request-body-required',
      breaking: true,
      message: 'request body is now required',
      oldPointer: a.pointer,
      newPointer: `${b.pointer}/required`,
      touch: { kind: 'absent', at: '/body' },
    });
  const ca = isObject(ba['content']) ? ba['content'] : {};
  const cb = isObject(bb['content']) ? bb['content'] : {};
  for (const media of Object.keys(ca)) {
    const p = `/content/${escape(media)}`;
    if (!(media in cb)) {
      out.push({
        side: 'request',
        kind: 'request-media-removed',
        breaking: true,
        message: `request body ${media} no longer accepted${Object.keys(cb).length ? ` (now ${Object.keys(cb).join(', ')})` : ''}`,
        oldPointer: a.pointer + p,
        newPointer: `${b.pointer}/content`,
        touch: { kind: 'any' },
      });
      continue;
    }
    diffMediaSchema('request', old, next, { ca, cb, media, p, a: a.pointer, b: b.pointer }, out);
  }
  for (const media of Object.keys(cb)) {
    if (!(media in ca))
      out.push({
        side: 'request',
        kind: 'request-media-added',
        breaking: false,
        message: `request body ${media} now accepted`,
        oldPointer: `${a.pointer}/content`,
        newPointer: `${b.pointer}/content/${escape(media)}`,
        touch: { kind: 'any' },
      });
  }
}

function diffResponses(old: RawDocument, next: RawDocument, o: OperationAt, n: OperationAt, out: Found): void {
  const ra = isObject(o.node['responses']) ? o.node['responses'] : {};
  const rb = isObject(n.node['responses']) ? n.node['responses'] : {};
  for (const status of Object.keys(rb)) {
    // A status the client has never seen may now answer it.
    if (!(status in ra))
      out.push({
        side: 'response',
        kind: 'response-status-added',
        breaking: true,
        message: `response ${status} added`,
        oldPointer: `${o.pointer}/responses`,
        newPointer: `${n.pointer}/responses/${escape(status)}`,
        touch: { kind: 'any' },
      });
  }
  for (const status of Object.keys(ra)) {
    const a = old.resolve(ra[status], `${o.pointer}/responses/${escape(status)}`);
    if (!(status in rb)) {
      out.push({
        side: 'response',
        kind: 'response-status-removed',
        breaking: false,
        message: `response ${status} removed`,
        oldPointer: a.pointer,
        newPointer: `${n.pointer}/responses`,
        touch: { kind: 'any' },
      });
      continue;
    }
    const b = next.resolve(rb[status], `${n.pointer}/responses/${escape(status)}`);
    const ca = isObject(a.node) && isObject(a.node['content']) ? a.node['content'] : {};
    const cb = isObject(b.node) && isObject(b.node['content']) ? b.node['content'] : {};
    for (const media of Object.keys(ca)) {
      const p = `/content/${escape(media)}`;
      if (!(media in cb)) {
        out.push({
          side: 'response',
          kind: 'response-media-changed',
          breaking: true,
          message: `response ${status} no longer ${media}`,
          oldPointer: a.pointer + p,
          newPointer: `${b.pointer}/content`,
          touch: { kind: 'any' },
        });
        continue;
      }
      diffMediaSchema('response', old, next, { ca, cb, media, p, a: a.pointer, b: b.pointer }, out);
    }
  }
}

const codesOf = (op: JsonObject): string[] =>
  Array.isArray(op['x-codes']) ? (op['x-codes'] as unknown[]).map(String) : [];

/** `x-codes`: a code added may now answer the client's call; a code dropped breaks a client (or a test) that expects it. */
function diffCodes(o: OperationAt, n: OperationAt, out: Found): void {
  const a = codesOf(o.node);
  const b = codesOf(n.node);
  const added = b.filter((c) => !a.includes(c));
  const dropped = a.filter((c) => !b.includes(c));
  if (added.length)
    out.push({
      side: 'response',
      kind: 'code-added',
      breaking: true,
      message: `may now answer business code ${added.join(', ')}`,
      oldPointer: `${o.pointer}/x-codes`,
      newPointer: `${n.pointer}/x-codes`,
      touch: { kind: 'any' },
    });
  if (dropped.length)
    out.push({
      side: 'response',
      kind: 'code-dropped',
      breaking: true,
      message: `no longer answers business code ${dropped.join(', ')}`,
      oldPointer: `${o.pointer}/x-codes`,
      newPointer: `${n.pointer}/x-codes`,
      touch: { kind: 'code', codes: dropped },
    });
  if ((o.node['x-envelope'] ?? 'default') !== (n.node['x-envelope'] ?? 'default')) {
    out.push({
      side: 'response',
      kind: 'envelope-changed',
      breaking: true,
      message: `envelope ${String(o.node['x-envelope'] ?? 'default')} → ${String(n.node['x-envelope'] ?? 'default')}`,
      oldPointer: `${o.pointer}/x-envelope`,
      newPointer: `${n.pointer}/x-envelope`,
      touch: { kind: 'any' },
    });
  }
}

export type { Touch };
