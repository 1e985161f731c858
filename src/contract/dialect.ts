/**
 * Dialect: one API's envelope and error catalogue, read from the spec's `x-dialect`,
 * `x-error-catalog` and `x-messages`. Handlers and the pipeline build every envelope through it,
 * so no code, message or envelope shape is written anywhere but the spec.
 */
import type { ApiName, CatalogEntry, JsonObject, Operation } from './types.js';
import { getPath, setPointer, splitPointer } from './json-pointer.js';
import { PROBLEM_TYPE } from '../http/problem.js';

/** An answer a dialect makes (the pipeline adds its own headers): status, body, and a media type when not the API's JSON. */
export interface DialectAnswer {
  status: number;
  body: JsonObject;
  contentType?: string;
  headers?: Record<string, string>;
}

/** What a dialect needs of a refusal (the catalogue in http/refusals.ts has more). */
export interface RefusalShape {
  status: number;
  title: string;
  type: string;
  /** When it is answered and what to do: the detail when the caller gives none. */
  when: string;
}

interface EnvelopeTemplates {
  success: unknown;
  error: unknown;
}

export interface DialectSource {
  'x-dialect': {
    codePointers: string[];
    messagePointer: string;
    successCodes: string[];
    /** Any catalogue code may answer on any operation, not only its `x-codes` (ios-datasyn's Decision "Generic error envelope"). */
    anyCodeOnAnyOperation?: boolean;
    roles: Record<'invalidRequest' | 'methodNotAllowed' | 'unauthorized' | 'serverError', string> & {
      /** Optional: a required body that arrived empty (wx-push 11002 body为空). */
      emptyBody?: string;
    };
    envelopes: Record<string, EnvelopeTemplates>;
  };
  'x-error-catalog': CatalogEntry[];
  'x-messages'?: Record<string, unknown>;
}

export type Role = 'invalidRequest' | 'methodNotAllowed' | 'unauthorized' | 'serverError';

const DATA = '{{data}}';
const ABSENT = Symbol('absent');

function render(template: unknown, vars: { data: unknown; message: string; code: string }): unknown {
  if (typeof template === 'string') {
    if (template === DATA) return vars.data === undefined ? ABSENT : vars.data;
    if (template === '{{message}}') return vars.message;
    if (template === '{{code}}') return vars.code;
    if (template === '{{code:int}}') return Number(vars.code);
    return template;
  }
  if (Array.isArray(template)) return template.map((t) => render(t, vars));
  if (template !== null && typeof template === 'object') {
    const out: JsonObject = {};
    for (const k in template) {
      const r = render((template as JsonObject)[k], vars);
      if (r !== ABSENT) out[k] = r;
    }
    return out;
  }
  return template;
}

export class Dialect {
  readonly api: ApiName;
  readonly catalog: readonly CatalogEntry[];
  private readonly byKey = new Map<string, CatalogEntry>();
  private readonly source: DialectSource['x-dialect'];
  private readonly messages: Record<string, unknown>;
  /** Business code → the catalogue entries carrying it (16000 is two entries told apart by message). */
  private readonly byCode = new Map<string, CatalogEntry[]>();
  /** `codePointers` and `messagePointer`, split once (every recorded call reads its code). */
  private readonly codePaths: string[][];
  private readonly messagePath: string[];

  /** The API answers in an envelope of its own: a business code inside, HTTP 200 for errors too (its servers' habit). */
  readonly hasEnvelope: boolean = true;
  /** `x-dialect.anyCodeOnAnyOperation`: a response's code need only be in the catalogue, not in the operation's `x-codes`. */
  readonly anyCodeOnAnyOperation: boolean;

  constructor(api: ApiName, spec: DialectSource) {
    this.api = api;
    this.source = spec['x-dialect'];
    this.catalog = spec['x-error-catalog'];
    this.messages = spec['x-messages'] ?? {};
    this.codePaths = this.source.codePointers.map(splitPointer);
    this.messagePath = splitPointer(this.source.messagePointer);
    this.anyCodeOnAnyOperation = this.source.anyCodeOnAnyOperation === true;
    for (const entry of this.catalog) {
      if (this.byKey.has(entry.key)) throw new Error(`${api}: duplicate x-error-catalog key ${entry.key}`);
      this.byKey.set(entry.key, entry);
      const same = this.byCode.get(entry.code);
      if (same) same.push(entry);
      else this.byCode.set(entry.code, [entry]);
    }
    for (const [role, key] of Object.entries(this.source.roles)) {
      if (key !== undefined && !this.byKey.has(key))
        throw new Error(`${api}: x-dialect.roles.${role} names ${key}, which is not in x-error-catalog`);
    }
    if (!this.source.envelopes['default']) throw new Error(`${api}: x-dialect.envelopes.default is missing`);
  }

  /** The catalogue entry for a key (`40410`, `16000:missing`) or, failing that, the first entry with that code. */
  entry(keyOrCode: string): CatalogEntry | undefined {
    return this.byKey.get(keyOrCode) ?? this.catalog.find((e) => e.code === keyOrCode);
  }

  role(role: Role): string {
    return this.source.roles[role];
  }

  /** An optional role (`emptyBody`), undefined when the API has none. */
  optionalRole(role: 'emptyBody'): string | undefined {
    return this.source.roles[role];
  }

  /** A success envelope for this operation, with `data` (omitted when undefined) and an optional message. */
  success(op: Pick<Operation, 'envelope'>, opts: { data?: unknown; message?: string } = {}): JsonObject {
    const templates = this.templates(op.envelope);
    const code = this.source.successCodes[0] ?? '';
    return render(templates.success, { data: opts.data, message: opts.message ?? 'success', code }) as JsonObject;
  }

  /** The error envelope for a catalogue key; `message` replaces the catalogue's text where the API varies it. */
  error(keyOrCode: string, opts: { op?: Pick<Operation, 'envelope'>; message?: string } = {}): JsonObject {
    const entry = this.entry(keyOrCode);
    if (!entry) throw new Error(`${this.api}: no catalogue entry ${keyOrCode}`);
    const envelope = opts.op?.envelope ?? 'default';
    let body: JsonObject;
    if (entry.body && envelope === 'default') {
      body = structuredClone(entry.body);
      if (opts.message !== undefined) setPointer(body, this.source.messagePointer, opts.message);
    } else {
      body = render(this.templates(envelope).error, {
        data: null,
        message: opts.message ?? entry.message,
        code: entry.code,
      }) as JsonObject;
    }
    return body;
  }

  /** The HTTP status an error envelope is answered with: 200, as the servers of these APIs answer every business error. */
  httpStatus(_keyOrCode: string): number {
    return 200;
  }

  /** A refusal of the mock's own (a limit, the store, a failed handler): the API's server-error envelope, at HTTP 200 like its other errors. */
  refusal(_refusal: RefusalShape, message: string | undefined, op?: Pick<Operation, 'envelope'>): DialectAnswer {
    return { status: 200, body: this.error(this.role('serverError'), { op, message }) };
  }

  /**
   * A method the path does not document: the API's method-not-allowed envelope; under `--http-status mapped`, HTTP
   * 405 with `Allow` whatever the role's code maps to (ios-datasyn and wuhan-eduyun answer a wrong method with their
   * parameter-error code, which maps to 400, and a 400 with `Allow` tells a client nothing true; issue 29).
   */
  methodNotAllowed(_api: ApiName, _path: string, _method: string, allowed: string[], mapped: boolean): DialectAnswer {
    const body = this.error(this.role('methodNotAllowed'), { message: this.maybeText('methodNotAllowed') });
    return mapped ? { status: 405, body, headers: { Allow: allowed.join(', ') } } : { status: 200, body };
  }

  /**
   * A request that breaks the contract: the envelope of the catalogue key the pipeline chose (the operation's
   * parameter error, or its empty-body one). Undefined when the operation's own declared error response answers
   * instead (a document without an envelope).
   */
  invalidRequest(key: string, op: Pick<Operation, 'envelope'>, message?: string): DialectAnswer | undefined {
    return { status: this.httpStatus(key), body: this.error(key, { op, message }) };
  }

  /** The status an answer leaves with under `--http-status mapped`: a business envelope's catalogue `x-http-status`. */
  mappedAnswerStatus(status: number, body: unknown): number {
    return status === 200 ? this.mappedStatusOf(body) : status;
  }

  /** The HTTP status `serve --http-status mapped` answers a catalogue entry with (`x-http-status`; 200 when the spec gives none). */
  mappedStatus(keyOrCode: string): number {
    return this.entry(keyOrCode)?.['x-http-status'] ?? 200;
  }

  /** The mapped HTTP status of an envelope the mock is about to send, from its code (and message, when a code has several entries). */
  mappedStatusOf(body: unknown): number {
    const code = this.codeOf(body);
    const entries = code === undefined ? undefined : this.byCode.get(code);
    if (!entries) return 200;
    const message = entries.length > 1 ? this.messageOf(body) : undefined;
    return (entries.find((e) => e.message === message) ?? entries[0]!)['x-http-status'] ?? 200;
  }

  /** The business code a response body carries (first present of `codePointers`), as a string. */
  codeOf(body: unknown): string | undefined {
    for (const path of this.codePaths) {
      const v = getPath(body, path);
      if (v !== undefined && v !== null) return String(v);
    }
    return undefined;
  }

  messageOf(body: unknown): string | undefined {
    const v = getPath(body, this.messagePath);
    return typeof v === 'string' ? v : undefined;
  }

  isSuccess(code: string | undefined): boolean {
    return code !== undefined && this.source.successCodes.includes(code);
  }

  /** A named text from `x-messages` (dotted path), e.g. `tokenInvalid` or `synFlag.2`. */
  text(path: string): string {
    const v = this.maybeText(path);
    if (v === undefined) throw new Error(`${this.api}: x-messages has no text ${path}`);
    return v;
  }

  maybeText(path: string): string | undefined {
    let v: unknown = this.messages;
    for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as JsonObject)[part] : undefined;
    return typeof v === 'string' ? v : undefined;
  }

  private templates(name: string): EnvelopeTemplates {
    const t = this.source.envelopes[name];
    if (!t) throw new Error(`${this.api}: x-dialect.envelopes has no ${name}`);
    return t;
  }
}

/**
 * The dialect of a document without an envelope of its own (`serve --spec` without `x-dialect`): its errors are
 * RFC 9457 problem documents whose `status` is the HTTP status they answer with, its request errors its own declared
 * error responses, as Prism answers.
 */
export class ProblemDialect extends Dialect {
  override readonly hasEnvelope: boolean = false;

  override httpStatus(keyOrCode: string): number {
    return Number(this.entry(keyOrCode)?.code ?? 500);
  }

  override refusal(refusal: RefusalShape, message: string | undefined): DialectAnswer {
    return {
      status: refusal.status,
      contentType: PROBLEM_TYPE,
      body: {
        type: refusal.type,
        title: refusal.title,
        status: refusal.status,
        detail: message ?? `contract-mock: ${refusal.when}`,
      },
    };
  }

  override methodNotAllowed(api: ApiName, path: string, method: string, allowed: string[]): DialectAnswer {
    const detail = `${api} documents ${allowed.join(', ')} for ${path}, not ${method}.`;
    return {
      status: 405,
      contentType: PROBLEM_TYPE,
      headers: { Allow: allowed.join(', ') },
      body: { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail },
    };
  }

  override invalidRequest(): undefined {
    return undefined;
  }

  override mappedAnswerStatus(status: number): number {
    return status;
  }
}
