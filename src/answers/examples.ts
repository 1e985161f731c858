/**
 * Answers from an operation's declared responses, for every API alike: the example `Prefer` names, else the
 * success response's example, else data generated from its schema (seeded per session). Also the declared
 * error answers of a document without an envelope: its 400/422/401/404 (or `default`) response, else
 * problem+json (a request's violations in Prism's `validation` shape). Knows nothing of HTTP or sessions.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PROBLEM_TYPE, problemBody } from '../http/problem.js';
import type { DeclaredResponse, JsonObject, Operation, SecurityScheme, Violation } from '../contract/types.js';
import type { FakeData } from './fake-data.js';
import { responseFor } from '../contract/validate-request.js';
import { defaultExampleName } from '../contract/compile-responses.js';
import { drawOneBranch, setOneOfApart, type Validator } from './one-of-apart.js';

/** What a call is answered with: one shape for handlers, scenarios, refusals and declared answers. */
export interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** A body that is not JSON (a gateway's HTML page, a truncated JSON text), or `` for none. */
  text?: string;
  /** The body's bytes when they are not UTF-8 (a replayed answer in the charset its Content-Type declares). */
  bytes?: Buffer;
  contentType?: string;
  /** An answer of the mock's own making (a scenario's, or a problem document where the spec documents none): not checked against the spec. */
  unchecked?: boolean;
  /** The body is the document's own example as written: where it breaks the schema, the violation is the document's (side `document`). */
  documented?: boolean;
}

/** The HTTP status a declared response answers with (`default` and `4XX` take `fallback`). */
function statusOf(response: DeclaredResponse, fallback: number): number {
  return /^\d{3}$/.test(response.status)
    ? Number(response.status)
    : /^[1-5]XX$/.test(response.status)
      ? Number(response.status[0]) * 100
      : fallback;
}

/** How deep the last draws of `generate` go (fake-data.ts's default depth is 10: deeper costs time on every answer). */
const DEEP = 24;

/** Generated data for a schema, tried a few times until it meets the schema (json-schema-faker does not always). */
export function generate(schema: JsonObject, validate: Validator | undefined, fake: FakeData): unknown {
  for (let i = 0; i < 3; i++) {
    const value = fake.fromSchema(schema);
    if (!validate || validate(value)) return value;
  }
  // A schema deeper than json-schema-faker's depth gets placeholders there (AWS's allOf chains): one deeper draw.
  const deep = fake.fromSchema(schema, false, DEEP);
  if (!validate || validate(deep) || setOneOfApart(deep, schema, validate)) return deep;
  if (drawOneBranch(deep, schema, validate, (branch) => fake.fromSchema(branch, false, DEEP))) return deep;
  if (withoutRefusedFields(deep, validate)) return deep;
  if (fake.names !== 'en') return deep;
  // Values by property name that the schema refuses fall back to json-schema-faker's own.
  const plain = fake.fromSchema(schema, true, DEEP);
  if (!validate(plain) && !setOneOfApart(plain, schema, validate)) withoutRefusedFields(plain, validate);
  return plain;
}

/**
 * Deletes the object fields the schema refuses, a few rounds, and says whether the value then validates: an optional
 * field no value can meet (codat's bill `currency`: `allOf` of a string and a null) is met by its absence. A field
 * the schema requires comes back as a `required` error, and the value stays refused.
 */
function withoutRefusedFields(value: unknown, validate: Validator): boolean {
  for (let round = 0; round < 3; round++) {
    const paths = new Set((validate.errors ?? []).map((e) => e.instancePath).filter((p) => p !== ''));
    if (paths.size === 0) return false;
    for (const path of [...paths].sort((a, b) => b.length - a.length)) {
      const parts = path
        .split('/')
        .slice(1)
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      const key = parts.pop()!;
      let parent: unknown = value;
      for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
      if (parent && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as JsonObject)[key];
    }
    if (validate(value)) return true;
  }
  return false;
}

const isJson = (type: string | undefined): boolean => !type || /json/i.test(type) || type === '*/*';

/**
 * The body of a declared response: the named example, else its first example that meets its schema (one that breaks
 * it is the document's fault, answered only when named), else generated from its schema.
 */
export function fromResponse(response: DeclaredResponse, status: number, fake: FakeData, exampleName?: string): Answer {
  const headers: Record<string, string> = {};
  const name =
    exampleName ??
    (response.broken
      ? defaultExampleName(response)
      : response.examples.size
        ? response.examples.keys().next().value
        : undefined);
  const schemaExample = (response.schema?.['examples'] as unknown[] | undefined)?.[0];
  let body: unknown;
  let documented = false;
  if (name !== undefined && response.examples.has(name)) {
    body = structuredClone(response.examples.get(name));
    documented = true;
  } else if (schemaExample !== undefined && (!response.validate || response.validate(schemaExample)))
    body = structuredClone(schemaExample);
  else if (response.schema) body = generate(response.schema, response.validate, fake);
  else return { status, body: undefined, headers, text: '' };
  if (isJson(response.contentType))
    return {
      status,
      body,
      headers,
      contentType: response.contentType && response.contentType !== '*/*' ? response.contentType : undefined,
      ...(documented && { documented }),
    };
  return {
    status,
    body: undefined,
    headers,
    text: typeof body === 'string' ? body : JSON.stringify(body),
    contentType: response.contentType,
  };
}

/** The operation's success answer from its declared responses (no state). */
export function successAnswer(op: Operation, fake: FakeData): Answer {
  const success = op.success;
  return fromResponse(success, statusOf(success, 200), fake);
}

/**
 * `Prefer: code=404, example=notFound` (Prism's habit), for every operation, and `Prefer: code=40410` (a business code
 * of an API with its own envelope: that entry's error envelope); undefined when the header asks for neither.
 */
export function preferredAnswer(
  op: Operation,
  header: string | undefined,
  fake: FakeData,
): Answer | { error: string } | undefined {
  if (!header) return undefined;
  const prefs: Record<string, string> = {};
  for (const part of header.split(/[,;]/)) {
    const [k, v] = part.split('=').map((x) => x.trim().replace(/^"|"$/g, ''));
    if (k && v) prefs[k] = v;
  }
  if (!prefs['code'] && !prefs['example']) return undefined;
  const responses = [...op.responses.values()];
  const candidates = prefs['code'] ? responses.filter((r) => r.status === prefs['code']) : responses;
  // An API with its own envelope: `code` may name a business code of its catalogue (`Prefer: code=40410`).
  const business =
    prefs['code'] && !candidates.length && op.dialect.hasEnvelope ? op.dialect.entry(prefs['code']) : undefined;
  if (business)
    return { status: op.dialect.httpStatus(business.key), headers: {}, body: op.dialect.error(business.key, { op }) };
  if (prefs['code'] && !candidates.length)
    return {
      error: `${op.operationId} documents no response ${prefs['code']}; it has: ${responses.map((r) => r.status).join(', ') || 'none'}.`,
    };
  const name = prefs['example'];
  const response = name ? candidates.find((r) => r.examples.has(name)) : candidates[0]!;
  if (!response)
    return {
      error: `${op.operationId} documents no response example "${name}"${prefs['code'] ? ` for code ${prefs['code']}` : ''}; it has: ${[...new Set(candidates.flatMap((r) => [...r.examples.keys()]))].join(', ') || 'none'}.`,
    };
  return fromResponse(response, statusOf(response, Number(prefs['code']) || 200), fake, name);
}

/** `/body/name` → `['body', 'name']`, as Prism locates a violation. */
const locationOf = (pointer: string): string[] =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** A generated error body says what happened: its status and message fields carry the HTTP status and the detail. */
function explain(answer: Answer, generated: boolean, status: number, detail: string): Answer {
  const body = answer.body;
  if (!generated || !body || typeof body !== 'object' || Array.isArray(body)) return answer;
  const o = body as JsonObject;
  for (const k of ['code', 'status', 'statusCode', 'status_code']) if (typeof o[k] === 'number') o[k] = status;
  for (const k of ['message', 'detail', 'error', 'error_description', 'title'])
    if (typeof o[k] === 'string') o[k] = detail;
  return answer;
}

const generatedFor = (response: DeclaredResponse): boolean =>
  response.examples.size === 0 && (response.schema?.['examples'] as unknown[] | undefined)?.[0] === undefined;

/** A request that breaks a served spec: its declared 422, 400, 4XX or default response, else problem+json 422 with the violations. */
export function invalidAnswer(op: Operation, violations: Violation[], fake: FakeData): Answer {
  const r = op.responses;
  const declared = r.get('422') ?? r.get('400') ?? r.get('4XX') ?? r.get('default');
  if (declared) {
    const status = statusOf(declared, declared.status === '4XX' ? 400 : 422);
    return explain(
      fromResponse(declared, status, fake),
      generatedFor(declared),
      status,
      violations.map((v) => `${v.pointer || '/'} ${v.message}`).join('; '),
    );
  }
  return {
    status: 422,
    headers: {},
    contentType: PROBLEM_TYPE,
    unchecked: true,
    body: problemBody(
      422,
      'Invalid request',
      `The request breaks the contract of ${op.api} ${op.operationId} (${op.method} ${op.path}) and its spec documents no error response for it.`,
      {
        validation: violations.map((v) => ({
          location: locationOf(v.pointer),
          severity: 'Error',
          code: v.rule,
          message: v.message,
        })),
      },
    ),
  };
}

/** A served spec's answer with a declared status (401, 404), else problem+json with that status. */
export function errorAnswer(
  op: Operation,
  status: number,
  title: string,
  detail: string,
  fake: FakeData,
  headers: Record<string, string> = {},
): Answer {
  const declared = responseFor(op, status);
  if (declared) {
    const answer = explain(fromResponse(declared, status, fake), generatedFor(declared), status, detail);
    return { ...answer, headers: { ...answer.headers, ...headers } };
  }
  return { status, headers, contentType: PROBLEM_TYPE, unchecked: true, body: problemBody(status, title, detail) };
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function presented(s: SecurityScheme, headers: IncomingHttpHeaders, query: JsonObject): boolean {
  const raw = s.in === 'header' ? headers[s.key] : s.in === 'query' ? query[s.key] : cookie(headers.cookie, s.key);
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || value === '') return false;
  if (!s.prefix) return true;
  return (
    value.length > s.prefix.length + 1 &&
    value.slice(0, s.prefix.length + 1).toLowerCase() === `${s.prefix.toLowerCase()} `
  );
}

/** The schemes of the first requirement the request fails, or undefined when one requirement is met in full. */
export function unmetSecurity(
  op: Operation,
  headers: IncomingHttpHeaders,
  query: JsonObject,
): SecurityScheme[] | undefined {
  const alternatives = op.security;
  if (!alternatives) return undefined;
  for (const all of alternatives) if (all.every((s) => presented(s, headers, query))) return undefined;
  return alternatives[0];
}

/** The `WWW-Authenticate` challenge for the schemes a request did not meet. */
export function challenge(schemes: SecurityScheme[]): string {
  const http = schemes.find((s) => s.prefix);
  return http ? `${http.prefix} realm="${http.name}"` : `ApiKey realm="${schemes[0]?.name ?? 'api'}"`;
}
