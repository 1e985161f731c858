/**
 * Requests derived from the contract for provider verification: the documented examples, requests
 * generated from the schemas (json-schema-faker, seeded), and negative cases (a missing required
 * field, a wrong type, an out-of-range value) that a conforming server must refuse with its
 * parameter-error envelope.
 */
import { generateSync } from 'json-schema-faker';
import { FORM, JSON_TYPE } from '../contract/compile-contract.js';
import type { JsonObject, Operation } from '../contract/types.js';

export interface OutgoingRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RequestParts {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  /** The body as an object (form fields that carry JSON as objects; they are serialised when sent). */
  body?: JsonObject;
}

export interface NegativeCase {
  name: string;
  parts: RequestParts;
  /** The catalogue key the server must answer with. */
  expect: string;
}

const params = (op: Operation, where: 'path' | 'query'): JsonObject[] =>
  ((op.raw['parameters'] ?? []) as JsonObject[]).filter((p) => p['in'] === where);

function media(op: Operation): { type: string; schema: JsonObject; holder: JsonObject } | undefined {
  const content = ((op.raw['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>;
  for (const type of [JSON_TYPE, FORM])
    if (content[type]) return { type, schema: (content[type]['schema'] ?? {}) as JsonObject, holder: content[type] };
  return undefined;
}

const jsonFields = (schema: JsonObject): string[] =>
  Object.entries((schema['properties'] ?? {}) as Record<string, JsonObject>)
    .filter(([, s]) => s['contentMediaType'] === JSON_TYPE)
    .map(([k]) => k);

/** Serialises parts into a request: path template filled, query encoded, JSON or form body. */
export function toRequest(op: Operation, parts: RequestParts): OutgoingRequest {
  let path = op.path;
  for (const [k, v] of Object.entries(parts.path)) path = path.replace(`{${k}}`, encodeURIComponent(String(v)));
  const query = new URLSearchParams(
    Object.entries(parts.query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const m = media(op);
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (m && parts.body !== undefined) {
    headers['content-type'] = m.type;
    if (m.type === JSON_TYPE) body = JSON.stringify(parts.body);
    else {
      body = new URLSearchParams(
        Object.entries(parts.body)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]): [string, string] => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
      ).toString();
    }
  }
  return { method: op.method, path: query ? `${path}?${query}` : path, headers, body };
}

function exampleValues(holder: JsonObject | undefined): Array<[string, unknown]> {
  if (!holder) return [];
  const named = Object.entries((holder['examples'] ?? {}) as Record<string, JsonObject>).map(
    ([k, v]): [string, unknown] => [k, v['value']],
  );
  return 'example' in holder ? [['example', holder['example']], ...named] : named;
}

/** Form examples carry JSON fields as strings: parse them so every body is an object. */
function normaliseBody(op: Operation, body: unknown): JsonObject | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const m = media(op);
  const out: JsonObject = { ...(body as JsonObject) };
  if (m?.type === FORM) {
    for (const f of jsonFields(m.schema)) {
      if (typeof out[f] === 'string') {
        try {
          out[f] = JSON.parse(out[f] as string);
        } catch {
          /* keep the text */
        }
      }
    }
  }
  return out;
}

/** Path and query values from the parameters' own examples (or a plain valid value). */
function baseParams(op: Operation): Pick<RequestParts, 'path' | 'query'> {
  const pick = (p: JsonObject): unknown =>
    exampleValues(p)[0]?.[1] ?? ((p['schema'] as JsonObject | undefined)?.['type'] === 'integer' ? 1 : 'x');
  return {
    path: Object.fromEntries(params(op, 'path').map((p) => [p['name'] as string, pick(p)])),
    query: Object.fromEntries(
      params(op, 'query')
        .filter((p) => p['required'])
        .map((p) => [p['name'] as string, pick(p)]),
    ),
  };
}

export function exampleCases(op: Operation): Array<{ name: string; parts: RequestParts }> {
  const base = baseParams(op);
  const m = media(op);
  const bodies = m ? exampleValues(m.holder) : [];
  if (!bodies.length) return [{ name: 'documented parameters', parts: { ...base } }];
  return bodies.map(([name, value]) => ({
    name: `example ${name}`,
    parts: { ...base, body: normaliseBody(op, value) },
  }));
}

export function generatedCases(
  op: Operation,
  count: number,
  seed: number,
): Array<{ name: string; parts: RequestParts }> {
  const gen = (schema: JsonObject, i: number, salt: number): unknown =>
    generateSync(schema as never, {
      seed: (seed * 7919 + i * 104729 + salt) >>> 0 || 1,
      alwaysFakeOptionals: false,
      optionalsProbability: 0.5,
      maxDefaultItems: 3,
    });
  const out: Array<{ name: string; parts: RequestParts }> = [];
  const m = media(op);
  for (let i = 0; i < count; i++) {
    const parts: RequestParts = { path: {}, query: {} };
    params(op, 'path').forEach(
      (p, j) => (parts.path[p['name'] as string] = gen((p['schema'] ?? {}) as JsonObject, i, 11 + j)),
    );
    params(op, 'query').forEach((p, j) => {
      if (p['required']) parts.query[p['name'] as string] = gen((p['schema'] ?? {}) as JsonObject, i, 31 + j);
    });
    if (m) {
      const body = gen(m.schema, i, 97) as JsonObject;
      if (m.type === FORM) {
        for (const f of jsonFields(m.schema)) {
          const inner = ((m.schema['properties'] as Record<string, JsonObject>)[f]!['contentSchema'] ??
            {}) as JsonObject;
          if (f in body) body[f] = gen(inner, i, 131);
        }
      }
      parts.body = body;
    }
    out.push({ name: `generated #${i + 1} (seed ${seed})`, parts });
  }
  return out;
}

/** A value of the wrong JSON type for a schema. */
function wrongType(schema: JsonObject): unknown {
  const type = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  return type === 'integer' || type === 'number'
    ? 'not-a-number'
    : type === 'boolean'
      ? 'maybe'
      : type === 'string'
        ? { not: 'a string' }
        : 42;
}

/** A value outside an enum or range, when the schema has one. */
function outOfRange(schema: JsonObject): unknown {
  if (Array.isArray(schema['enum'])) {
    const nums = schema['enum'].filter((v): v is number => typeof v === 'number');
    return nums.length ? Math.max(...nums) + 1 : `${String(schema['enum'][0])}-not-allowed`;
  }
  if (typeof schema['maximum'] === 'number') return schema['maximum'] + 1;
  if (typeof schema['minimum'] === 'number') return schema['minimum'] - 1;
  return undefined;
}

export function negativeCases(op: Operation): NegativeCase[] {
  const base = exampleCases(op)[0]!.parts;
  const out: NegativeCase[] = [];
  const m = media(op);
  const clone = (): RequestParts => structuredClone(base);
  if (m && base.body) {
    // A body with alternatives (oneOf) has no single required list: take the first alternative.
    const alternatives = m.schema['oneOf'] as JsonObject[] | undefined;
    const schema =
      alternatives?.find((alt) => Object.keys((alt['properties'] ?? {}) as object).some((k) => k in base.body!)) ??
      m.schema;
    const props = (schema['properties'] ?? {}) as Record<string, JsonObject>;
    const required = ((schema['required'] ?? []) as string[]).filter((f) => f in base.body!);
    const json = m.type === FORM ? jsonFields(m.schema) : [];
    const plain = required.filter((f) => !json.includes(f));
    if (plain[0]) {
      const parts = clone();
      delete parts.body![plain[0]];
      out.push({ name: `missing required ${plain[0]}`, parts, expect: op.paramError });
    }
    const typed = Object.keys(props).find(
      (f) => f in base.body! && !json.includes(f) && ['integer', 'number'].includes(String(props[f]!['type'])),
    );
    const anyField = typed ?? Object.keys(props).find((f) => f in base.body! && !json.includes(f));
    if (anyField) {
      const parts = clone();
      parts.body![anyField] = wrongType(props[anyField]!);
      // A form carries text: a number field gets letters; a text field cannot be mistyped in a form.
      if (m.type === FORM && !typed) parts.body = undefined;
      if (parts.body) out.push({ name: `wrong type for ${anyField}`, parts, expect: op.paramError });
    }
    const ranged = Object.keys(props).find((f) => f in base.body! && outOfRange(props[f]!) !== undefined);
    if (ranged) {
      const parts = clone();
      parts.body![ranged] = outOfRange(props[ranged]!);
      out.push({ name: `out-of-range ${ranged}`, parts, expect: op.paramError });
    }
    if (json[0]) {
      const parts = clone();
      parts.body![json[0]] = { unexpected: 'shape' };
      out.push({ name: `${json[0]} field with the wrong shape`, parts, expect: op.jsonError });
    }
  }
  const requiredQuery = params(op, 'query').filter((p) => p['required']);
  if (requiredQuery[0]) {
    const parts = clone();
    delete parts.query[requiredQuery[0]['name'] as string];
    out.push({ name: `missing required query ${String(requiredQuery[0]['name'])}`, parts, expect: op.paramError });
  }
  const intParam = [...params(op, 'path'), ...params(op, 'query')].find(
    (p) => (p['schema'] as JsonObject | undefined)?.['type'] === 'integer',
  );
  if (intParam) {
    const parts = clone();
    (intParam['in'] === 'path' ? parts.path : parts.query)[intParam['name'] as string] = 'abc';
    out.push({
      name: `wrong type for ${intParam['in'] as string} ${String(intParam['name'])}`,
      parts,
      expect: op.paramError,
    });
  }
  return out;
}
