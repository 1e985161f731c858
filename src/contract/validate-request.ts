/**
 * Request validation: turns the raw pieces of an HTTP request into typed input for a handler,
 * and lists every way they break the operation's contract. Parsing is defensive (size, depth,
 * prototype keys); nothing here throws on bad input. Knows nothing of sockets or state.
 */
import type { ValidateFunction } from 'ajv';
import { parse as losslessParse } from 'lossless-json';
import { FORM, JSON_TYPE } from './compile-parts.js';
import { exactJson, integerInRange, type IntegerFormat } from './exact-json.js';
import { joinPointer } from './json-pointer.js';
import { failures, outsideMessage } from './schema-violations.js';
export { closestBranches } from './schema-violations.js';
import type { DeclaredResponse, JsonObject, Operation, Violation } from './types.js';

export interface RawRequest {
  method: string;
  /** Query string without the `?`. */
  search: string;
  /** Path parameters from the route match. */
  params: Record<string, string>;
  contentType: string | undefined;
  /** The body as text; undefined when there was none. */
  body: string | undefined;
  /** The request headers, for a served spec's header parameters. */
  headers?: Record<string, string | string[] | undefined>;
}

export interface RequestInput {
  query: JsonObject;
  params: JsonObject;
  /** Parsed body (JSON-in-form fields parsed too); `undefined` when absent or unparseable. */
  body: JsonObject | undefined;
}

export interface RequestCheck {
  input: RequestInput;
  violations: Violation[];
  /** The catalogue key to answer with when there are violations (param error, or the JSON-field error). */
  errorKey: string | undefined;
}

export interface ParseLimits {
  maxDepth: number;
  maxFields: number;
  maxViolations: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: 32, maxFields: 1000, maxViolations: 20 };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A node of the walk: its value and how to reach it, so a pointer is built only for a violation. */
interface WalkNode {
  v: unknown;
  depth: number;
  parent: WalkNode | undefined;
  /** An object's key, or an array's index (made a string only for a violation's pointer). */
  key: string | number;
}

function pointerOf(node: WalkNode, base: string): string {
  const keys: Array<string | number> = [];
  for (let n: WalkNode | undefined = node; n?.parent; n = n.parent) keys.push(n.key);
  return base + joinPointer(...keys.reverse());
}

/** Walks a parsed JSON value iteratively (no recursion, so deep input cannot overflow the stack). */
function inspect(value: unknown, base: string, limits: ParseLimits, out: Violation[]): void {
  const stack: WalkNode[] = [{ v: value, depth: 0, parent: undefined, key: '' }];
  while (stack.length) {
    const node = stack.pop()!;
    const v = node.v;
    if (v === null || typeof v !== 'object') continue;
    if (node.depth >= limits.maxDepth) {
      out.push({
        side: 'request',
        pointer: pointerOf(node, base),
        message: `nesting deeper than ${limits.maxDepth} levels`,
        rule: 'max-depth',
      });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++)
        if (v[i] !== null && typeof v[i] === 'object')
          stack.push({ v: v[i], depth: node.depth + 1, parent: node, key: i });
      continue;
    }
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      if (FORBIDDEN_KEYS.has(key)) {
        out.push({
          side: 'request',
          pointer: pointerOf({ v: undefined, depth: 0, parent: node, key }, base),
          message: `key "${key}" is not allowed`,
          rule: 'forbidden-key',
        });
        delete (v as JsonObject)[key];
        continue;
      }
      const child = (v as JsonObject)[key];
      if (child !== null && typeof child === 'object')
        stack.push({ v: child, depth: node.depth + 1, parent: node, key });
    }
  }
}

function run(
  validate: ValidateFunction | undefined,
  data: unknown,
  base: string,
  out: Violation[],
  flagged?: Set<string>,
): void {
  if (validate && !validate(data)) out.push(...failures(validate, data, base, 'request', flagged));
}

const DECIMAL = /^-?\d+$/;

/**
 * Integers sent as text (query, path, form) must be plain decimal integers: the coercing validator
 * would take `1e3` as 1000 and `99999999999999999999` as 1e20. One beyond 2^53 becomes a BigInt with
 * every digit; one beyond its format is a violation. Returns the pointers it flagged.
 */
function exactIntegers(
  values: JsonObject,
  fields: ReadonlyMap<string, IntegerFormat> | undefined,
  base: string,
  out: Violation[],
): Set<string> | undefined {
  if (!fields) return undefined;
  let flagged: Set<string> | undefined;
  for (const [name, format] of fields) {
    const text = values[name];
    if (typeof text !== 'string' || text === '') continue;
    const pointer = base + joinPointer(name);
    if (!DECIMAL.test(text)) {
      out.push({
        side: 'request',
        pointer,
        message: `must be a decimal integer, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`,
        rule: 'type',
      });
      (flagged ??= new Set()).add(pointer);
    } else if (text.length > 15) {
      const exact = BigInt(text);
      if (!integerInRange(exact, format)) {
        out.push({ side: 'request', pointer, message: outsideMessage(format), rule: 'format' });
        (flagged ??= new Set()).add(pointer);
      } else if (!Number.isSafeInteger(Number(exact))) values[name] = exact;
    }
  }
  return flagged;
}

/** Decodes one form/query component the way URLSearchParams does (`+` is a space), falling back to it for malformed `%`. */
function decodeComponent(text: string): string {
  const plus = text.indexOf('+') !== -1;
  if (!plus && text.indexOf('%') === -1) return text;
  const spaced = plus ? text.replace(/\+/g, ' ') : text;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return new URLSearchParams(`x=${text}`).get('x') ?? spaced;
  }
}

/**
 * Parses `a=1&b=2` into a null-prototype object; the first value of a repeated key wins (as Spring's
 * @RequestParam). Hand-rolled over decodeURIComponent: URLSearchParams' parser was a tenth of the cost
 * of a form request carrying a JSON field.
 */
export function parseSearch(search: string, limits: ParseLimits, out: Violation[], base: string): JsonObject {
  const result: JsonObject = Object.create(null);
  if (!search) return result;
  let count = 0;
  // As URLSearchParams: a leading '?' is not part of the first key.
  for (const pair of (search.startsWith('?') ? search.slice(1) : search).split('&')) {
    if (!pair) continue;
    if (++count > limits.maxFields) {
      out.push({ side: 'request', pointer: base, message: `more than ${limits.maxFields} fields`, rule: 'max-fields' });
      break;
    }
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    if (FORBIDDEN_KEYS.has(key)) {
      out.push({
        side: 'request',
        pointer: base + joinPointer(key),
        message: `key "${key}" is not allowed`,
        rule: 'forbidden-key',
      });
      continue;
    }
    if (!(key in result)) result[key] = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
  }
  return result;
}

/**
 * What a JSON parse error says, without the text it failed on: V8 quotes the characters around the error
 * (`Unexpected token 'H', ..."secret":Hunter2Sec"... is not valid JSON`) and lossless-json the one it met
 * (`but got '1'`); either may be part of a secret, cut where no mask can recognise it (issue 25, finding 8).
 * Where it failed is kept: V8's excerpt gives no position, so lossless-json finds it (only on this error path).
 */
function parseError(text: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (message.startsWith('Unexpected token ') && message.endsWith(' is not valid JSON')) {
    let at: RegExpExecArray | null = null;
    try {
      losslessParse(text);
    } catch (again) {
      at = /at position (\d+)/.exec(again instanceof Error ? again.message : '');
    }
    return `Unexpected token in JSON${at ? ` at position ${at[1]}` : ''}`;
  }
  return message.replace(/ '(?:[^'\\]|\\.){1,8}'(?= at position)/, '').replace(/ but got(?= at position)/, '');
}

/** `text.trim() === ''` without copying a large body. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c > 32 && c < 127) || !/\s/.test(text[i]!)) return false;
  }
  return true;
}

/** The last content type seen and its media type: a client sends the same one call after call. */
let lastContentType: string | undefined;
let lastMediaType: string | undefined;

function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === lastContentType) return lastMediaType;
  lastContentType = contentType;
  return (lastMediaType = contentType?.split(';')[0]?.trim().toLowerCase() || undefined);
}

/** A served spec's array query parameters: every value of a repeated key (`?s=a&s=b`), or a comma-separated one (`explode: false`). */
function arrayValues(params: Array<{ name: string; explode: boolean }>, search: string, query: JsonObject): void {
  const all = new URLSearchParams(search);
  for (const { name, explode } of params) {
    if (!(name in query)) continue;
    const values = all.getAll(name);
    query[name] = explode ? values : values.flatMap((v) => v.split(','));
  }
}

/** The declared header parameters, checked (a document's; none of the four APIs declares any). */
function checkHeaders(op: Operation, raw: RawRequest, violations: Violation[]): void {
  const declared = op.headerParams;
  if (!declared || !raw.headers) return;
  const headers: JsonObject = {};
  for (const name of declared.names) {
    const v = raw.headers[name];
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  run(declared.validate, headers, '/headers', violations);
}

/** A JSON body parsed and checked: an object (or, where the document allows, any JSON value). */
function jsonBody(op: Operation, text: string, limits: ParseLimits, violations: Violation[]): JsonObject | undefined {
  let parsed: unknown;
  try {
    parsed = exactJson.parse(text);
  } catch (e) {
    violations.push({
      side: 'request',
      pointer: '/body',
      message: `malformed JSON: ${parseError(text, e)}`,
      rule: 'json-parse',
    });
    return undefined;
  }
  inspect(parsed, '/body', limits, violations);
  // Any JSON value its schema allows (an array of users, a string) where the document lets it be.
  if (!op.anyJsonBody && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
    violations.push({ side: 'request', pointer: '/body', message: 'must be a JSON object', rule: 'type' });
    return undefined;
  }
  run(op.validateBody, parsed, '/body', violations);
  return parsed as JsonObject;
}

/** A form body parsed and checked; its JSON fields parsed in place (their violations apart: they have their own code). */
function formBody(
  op: Operation,
  text: string,
  limits: ParseLimits,
  violations: Violation[],
  jsonViolations: Violation[],
): JsonObject {
  const body = parseSearch(text, limits, violations, '/body');
  run(op.validateBody, body, '/body', violations, exactIntegers(body, op.integerFields.body, '/body', violations));
  for (const field of op.jsonFields) {
    const value = body[field.name];
    if (typeof value !== 'string') continue;
    const pointer = '/body' + joinPointer(field.name);
    try {
      const parsed: unknown = exactJson.parse(value);
      const before = jsonViolations.length;
      inspect(parsed, pointer, limits, jsonViolations);
      if (jsonViolations.length === before) run(field.validate, parsed, pointer, jsonViolations);
      body[field.name] = parsed;
    } catch (e) {
      jsonViolations.push({
        side: 'request',
        pointer,
        message: `malformed JSON: ${parseError(value, e)}`,
        rule: 'json-parse',
      });
    }
  }
  return body;
}

/** The request body by the operation's kind, after its presence and media type are checked. */
function requestBody(
  op: Operation,
  raw: RawRequest,
  limits: ParseLimits,
  violations: Violation[],
  jsonViolations: Violation[],
): JsonObject | undefined {
  if (op.bodyKind === 'none') return undefined;
  const text = raw.body ?? '';
  const expected = op.bodyKind === 'json' ? JSON_TYPE : FORM;
  const actual = mediaType(raw.contentType);
  if (isBlank(text)) {
    if (op.bodyRequired)
      violations.push({
        side: 'request',
        pointer: '/body',
        message: `a ${expected} body is required`,
        rule: 'required-body',
      });
    return undefined;
  }
  // A body the document lets be any JSON may come as any JSON media type: application/vnd.api+json, application/merge-patch+json.
  const anyJson =
    op.anyJsonBody &&
    op.bodyKind === 'json' &&
    actual !== undefined &&
    /^application\/(?:[\w.-]+\+)?json$/.test(actual);
  if (actual !== expected && !anyJson) {
    const message = `Content-Type must be ${expected}${actual ? `, got ${actual}` : ' (none sent)'}`;
    violations.push({ side: 'request', pointer: '/body', message, rule: 'content-type' });
    return undefined;
  }
  return op.bodyKind === 'json'
    ? jsonBody(op, text, limits, violations)
    : formBody(op, text, limits, violations, jsonViolations);
}

export function validateRequest(
  op: Operation,
  raw: RawRequest,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): RequestCheck {
  const violations: Violation[] = [];
  const jsonViolations: Violation[] = [];
  const query = parseSearch(raw.search, limits, violations, '/query');
  if (op.arrayQuery) arrayValues(op.arrayQuery, raw.search, query);
  checkHeaders(op, raw, violations);
  run(
    op.validateQuery,
    query,
    '/query',
    violations,
    exactIntegers(query, op.integerFields.query, '/query', violations),
  );
  const params: JsonObject = { ...raw.params };
  run(op.validatePath, params, '/path', violations, exactIntegers(params, op.integerFields.path, '/path', violations));
  const body = requestBody(op, raw, limits, violations, jsonViolations);
  const found = jsonViolations.length ? [...violations, ...jsonViolations] : violations;
  const all = found.length > limits.maxViolations ? found.slice(0, limits.maxViolations) : found;
  const errorKey = violations.length ? op.paramError : jsonViolations.length ? op.jsonError : undefined;
  return { input: { query, params, body }, violations: all, errorKey };
}

/** Checks a response body the mock (or a real server) sent against the operation's success schema. */
export function validateResponse(op: Operation, body: unknown): Violation[] {
  const validate = op.success.validate;
  if (!validate || validate(body)) return [];
  return failures(validate, body, '', 'response');
}

/** The declared response for a status: exact, then `4XX`, then `default`. */
export function responseFor(op: Operation, status: number): DeclaredResponse | undefined {
  const responses = op.responses;
  return responses.get(String(status)) ?? responses.get(`${String(status)[0]}XX`) ?? responses.get('default');
}

/** Checks an answer against the declared response of the status it carries (a body that is not JSON, `text`, is not checked). */
/** `side`: `document` when the body is the document's own example (its fault, not the mock's nor the client's). */
export function checkAnswerBody(
  op: Operation,
  status: number,
  body: unknown,
  text: string | undefined,
  side: Violation['side'] = 'response',
): Violation[] {
  const response = responseFor(op, status);
  if (!response)
    return [
      {
        side: 'response',
        pointer: '',
        message: `status ${status} is not a documented response of ${op.operationId} (documented: ${[...op.responses.keys()].join(', ')})`,
        rule: 'status',
      },
    ];
  const validate = response.validate;
  if (!validate || text !== undefined || validate(body)) return [];
  return failures(validate, body, '', side);
}
