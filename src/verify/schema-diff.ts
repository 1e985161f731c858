/**
 * Schema diff: compares one JSON Schema of two versions of a document (request or response side) and says
 * which changes break a client. Walks the raw documents, following local `$ref`s, so every change carries
 * its JSON pointer in each document. Knows nothing of operations, envelopes or recorded calls.
 */
import type { JsonObject } from '../contract/types.js';

export type Side = 'request' | 'response';

/** Which recorded calls a change touches, read at `at` (a pointer into the call: `/body/organKind`, `/query/org_id`; `*` walks an array). */
export type Touch =
  | { kind: 'any' }
  | { kind: 'present'; at: string }
  | { kind: 'absent'; at: string }
  | { kind: 'value-in'; at: string; values: unknown[] }
  | { kind: 'code'; codes: string[] };

export interface SchemaChange {
  kind: string;
  breaking: boolean;
  message: string;
  oldPointer?: string;
  newPointer?: string;
  touch: Touch;
}

/** A raw document and a way to follow its local `$ref`s. */
export class RawDocument {
  constructor(readonly raw: JsonObject) {}

  /** The node at `pointer`, its `$ref`s followed; the pointer returned is where the node is written. */
  resolve(node: unknown, pointer: string): { node: unknown; pointer: string } {
    for (let hops = 0; hops < 32 && isObject(node) && typeof node['$ref'] === 'string'; hops++) {
      const ref = node['$ref'];
      if (!ref.startsWith('#')) break; // an external reference is compared as written
      pointer = decodeURIComponent(ref.slice(1));
      node = this.at(pointer);
    }
    return { node, pointer };
  }

  at(pointer: string): unknown {
    let node: unknown = this.raw;
    for (const seg of pointer.split('/').slice(1).map(unescape))
      node = isObject(node) || Array.isArray(node) ? (node as JsonObject)[seg] : undefined;
    return node;
  }
}

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');
export const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
/** Equal as JSON (key order included, as written in the documents). */
export const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** Words that describe a schema without constraining it: an edit to them breaks nobody. */
const PROSE = [
  'description',
  'summary',
  'title',
  'example',
  'examples',
  '$comment',
  'externalDocs',
  'deprecated',
  'x-order',
];

interface Walk {
  side: Side;
  old: RawDocument;
  next: RawDocument;
  out: SchemaChange[];
  /** Pairs of written locations already compared (recursive schemas). */
  seen: Set<string>;
}

const typesOf = (s: JsonObject): string[] | undefined => {
  const t = s['type'];
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : undefined;
};
/** Does type list `a` accept everything `b` accepts? (`number` accepts `integer`) */
const covers = (a: string[], b: string[]): boolean =>
  b.every((t) => a.includes(t) || (t === 'integer' && a.includes('number')));

/** Compares the schema at `oldPtr` in the old document with the one at `newPtr` in the new; `at` is where the value sits in a call. */
export function diffSchema(
  side: Side,
  old: RawDocument,
  next: RawDocument,
  oldNode: unknown,
  oldPtr: string,
  newNode: unknown,
  newPtr: string,
  at: string,
  out: SchemaChange[],
): void {
  walk({ side, old, next, out, seen: new Set() }, oldNode, oldPtr, newNode, newPtr, at, 0);
}

function walk(
  w: Walk,
  oldNode: unknown,
  oldPtr: string,
  newNode: unknown,
  newPtr: string,
  at: string,
  depth: number,
): void {
  const o = w.old.resolve(oldNode, oldPtr);
  const n = w.next.resolve(newNode, newPtr);
  const key = `${o.pointer} ${n.pointer} ${at}`;
  if (depth > 24 || w.seen.has(key) || !isObject(o.node) || !isObject(n.node)) return;
  w.seen.add(key);
  const a = o.node;
  const b = n.node;
  const add = (kind: string, breaking: boolean, message: string, touch: Touch, suffix = ''): void => {
    w.out.push({ kind, breaking, message, oldPointer: o.pointer + suffix, newPointer: n.pointer + suffix, touch });
  };
  const where = at.replace(/^\/body/, '') || '/';
  const req = w.side === 'request';

  typeChange(a, b, at, where, req, add);
  enumChange(a, b, at, where, req, add);
  constraints(a, b, at, where, req, add);
  properties(w, a, o.pointer, b, n.pointer, at, where, req, add, depth);
  if (a['items'] !== undefined && b['items'] !== undefined)
    walk(w, a['items'], o.pointer + '/items', b['items'], n.pointer + '/items', `${at}/*`, depth + 1);
  // A form field carrying JSON (contentMediaType): the journal keeps it parsed, at the same place.
  if (a['contentSchema'] !== undefined && b['contentSchema'] !== undefined)
    walk(
      w,
      a['contentSchema'],
      o.pointer + '/contentSchema',
      b['contentSchema'],
      n.pointer + '/contentSchema',
      at,
      depth + 1,
    );
  compositions(w, a, o.pointer, b, n.pointer, at, where, add, depth);
  const prose = PROSE.filter((p) => a[p] !== undefined || b[p] !== undefined).filter((p) => !same(a[p], b[p]));
  if (prose.length)
    add(
      'description-changed',
      false,
      `${w.side} ${where}: ${prose.join(', ')} edited`,
      { kind: 'any' },
      `/${prose[0]}`,
    );
}

type Add = (kind: string, breaking: boolean, message: string, touch: Touch, suffix?: string) => void;

function typeChange(a: JsonObject, b: JsonObject, at: string, where: string, req: boolean, add: Add): void {
  const side = req ? 'request' : 'response';
  const ta = typesOf(a);
  const tb = typesOf(b);
  if (ta && tb && !same(ta, tb)) {
    // A request field accepting less, or a response field sending something new, breaks the client.
    const breaking = req ? !covers(tb, ta) : !covers(ta, tb);
    add(
      `${side}-type-changed`,
      breaking,
      `${side} ${where}: type ${ta.join('|')} → ${tb.join('|')}`,
      { kind: 'present', at },
      '/type',
    );
  }
  if (a['format'] !== b['format'] && (a['format'] !== undefined || b['format'] !== undefined)) {
    add(
      `${side}-format-changed`,
      true,
      `${side} ${where}: format ${String(a['format'] ?? 'none')} → ${String(b['format'] ?? 'none')}`,
      { kind: 'present', at },
      '/format',
    );
  }
}

/** oneOf, anyOf, allOf: alternatives compared pairwise in order; a change in their number is a change of its own. */
function compositions(
  w: Walk,
  a: JsonObject,
  op: string,
  b: JsonObject,
  np: string,
  at: string,
  where: string,
  add: Add,
  depth: number,
): void {
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
    const la = Array.isArray(a[k]) ? (a[k] as unknown[]) : [];
    const lb = Array.isArray(b[k]) ? (b[k] as unknown[]) : [];
    for (let i = 0; i < Math.min(la.length, lb.length); i++)
      walk(w, la[i], `${op}/${k}/${i}`, lb[i], `${np}/${k}/${i}`, at, depth + 1);
    if (la.length !== lb.length) {
      const fewer = lb.length < la.length;
      // Fewer alternatives narrow what a request may be; more widen what a response may be.
      add(
        `${w.side}-${k}-changed`,
        w.side === 'request' ? fewer : !fewer,
        `${w.side} ${where}: ${k} has ${lb.length} alternatives, had ${la.length}`,
        { kind: 'any' },
        `/${k}`,
      );
    }
  }
}

function enumChange(a: JsonObject, b: JsonObject, at: string, where: string, req: boolean, add: Add): void {
  const ea = a['enum'] !== undefined ? (a['enum'] as unknown[]) : a['const'] !== undefined ? [a['const']] : undefined;
  const eb = b['enum'] !== undefined ? (b['enum'] as unknown[]) : b['const'] !== undefined ? [b['const']] : undefined;
  if (same(ea, eb)) return;
  const suffix = b['enum'] !== undefined || a['enum'] !== undefined ? '/enum' : '/const';
  const removed = ea ? ea.filter((v) => !eb || !eb.some((x) => same(x, v))) : [];
  const added = eb ? eb.filter((v) => !ea || !ea.some((x) => same(x, v))) : [];
  if (!ea && eb) {
    add(
      req ? 'request-enum-narrowed' : 'response-enum-added',
      req,
      `${req ? 'request' : 'response'} ${where}: now limited to ${JSON.stringify(eb)}`,
      { kind: 'present', at },
      suffix,
    );
    return;
  }
  if (ea && !eb) {
    add(
      req ? 'request-enum-widened' : 'response-enum-removed',
      !req,
      `${req ? 'request' : 'response'} ${where}: no longer limited to ${JSON.stringify(ea)}`,
      { kind: 'present', at },
      suffix,
    );
    return;
  }
  if (removed.length)
    add(
      req ? 'request-enum-narrowed' : 'response-enum-narrowed',
      req,
      `${req ? 'request' : 'response'} ${where}: ${JSON.stringify(removed)} no longer allowed`,
      req ? { kind: 'value-in', at, values: removed } : { kind: 'present', at },
      suffix,
    );
  if (added.length)
    add(
      req ? 'request-enum-widened' : 'response-enum-widened',
      !req,
      `${req ? 'request' : 'response'} ${where}: ${JSON.stringify(added)} now allowed`,
      { kind: 'present', at },
      suffix,
    );
}

/** Bounds: a request bound that tightens breaks the client; a response bound never does. */
function constraints(a: JsonObject, b: JsonObject, at: string, where: string, req: boolean, add: Add): void {
  const lower = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'];
  const upper = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'];
  for (const k of [...lower, ...upper, 'pattern', 'multipleOf']) {
    if (same(a[k], b[k])) continue;
    const x = a[k] as number | undefined;
    const y = b[k] as number | undefined;
    const tighter =
      y === undefined ? false : x === undefined ? true : lower.includes(k) ? y > x : upper.includes(k) ? y < x : true;
    add(
      req ? 'request-constraint-changed' : 'response-constraint-changed',
      req && tighter,
      `${req ? 'request' : 'response'} ${where}: ${k} ${JSON.stringify(x ?? null)} → ${JSON.stringify(y ?? null)}`,
      { kind: 'present', at },
      `/${k}`,
    );
  }
}

function properties(
  w: Walk,
  a: JsonObject,
  op: string,
  b: JsonObject,
  np: string,
  at: string,
  where: string,
  req: boolean,
  add: Add,
  depth: number,
): void {
  const pa = isObject(a['properties']) ? a['properties'] : {};
  const pb = isObject(b['properties']) ? b['properties'] : {};
  const ra = new Set(Array.isArray(a['required']) ? (a['required'] as string[]) : []);
  const rb = new Set(Array.isArray(b['required']) ? (b['required'] as string[]) : []);
  const child = (name: string): string => `${at}/${escape(name)}`;
  for (const name of Object.keys(pa)) {
    const p = `/properties/${escape(name)}`;
    if (!(name in pb)) {
      const closed = b['additionalProperties'] === false;
      // A request field removed from a closed body is refused; from an open one it is ignored, which still breaks a client relying on it.
      w.out.push({
        kind: req ? 'request-field-removed' : 'response-field-removed',
        breaking: true,
        message: `${w.side} ${child(name).replace(/^\/body/, '')}: field removed${req && closed ? ' (the body is closed: sending it is refused)' : ''}`,
        oldPointer: op + p,
        newPointer: np + '/properties',
        touch: { kind: 'present', at: child(name) },
      });
      continue;
    }
    walk(w, pa[name], op + p, pb[name], np + p, child(name), depth + 1);
  }
  for (const name of Object.keys(pb)) {
    if (name in pa) continue;
    const required = rb.has(name);
    w.out.push({
      kind: req ? 'request-field-added' : 'response-field-added',
      breaking: req && required,
      message: `${w.side} ${child(name).replace(/^\/body/, '')}: ${required ? 'required' : 'optional'} field added`,
      oldPointer: op + '/properties',
      newPointer: np + `/properties/${escape(name)}`,
      touch: req && required ? { kind: 'absent', at: child(name) } : { kind: 'any' },
    });
  }
  for (const name of rb) {
    if (ra.has(name) || !(name in pa)) continue;
    // Newly required input breaks the calls that leave it out; a response field required now breaks nobody.
    add(
      req ? 'request-field-required' : 'response-field-required',
      req,
      `${w.side} ${child(name).replace(/^\/body/, '')}: now required`,
      req ? { kind: 'absent', at: child(name) } : { kind: 'any' },
      '/required',
    );
  }
  for (const name of ra) {
    if (rb.has(name) || !(name in pb)) continue;
    // A response field that may now be missing breaks a client that reads it.
    add(
      req ? 'request-field-optional' : 'response-field-optional',
      !req,
      `${w.side} ${child(name).replace(/^\/body/, '')}: no longer required`,
      { kind: 'present', at: child(name) },
      '/required',
    );
  }
  if (a['additionalProperties'] !== false && b['additionalProperties'] === false && req) {
    add(
      'request-body-closed',
      true,
      `${w.side} ${where}: undocumented fields are now refused`,
      { kind: 'any' },
      '/additionalProperties',
    );
  }
}
