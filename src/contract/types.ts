/** Contract vocabulary: the types every stage of the pipeline shares. Knows nothing of HTTP or state. */
import type { ValidateFunction } from 'ajv';
import type { IntegerFormat } from './exact-json.js';
import type { Dialect } from './dialect.js';

/** The four built-in APIs. */
export type BuiltinApi = 'platform-sync' | 'wuhan-eduyun' | 'ios-datasyn' | 'wx-push';

/** A served API: one of the four, or the name of a document added with `serve --spec`. */
export type ApiName = string;

export type JsonObject = Record<string, unknown>;

/** One thing a request or response did wrong, as data (Prism's `{path, code, message}`). */
export interface Violation {
  /** `request` or `response`; `document`: the served document's own example breaks its own schema (the client did nothing wrong). */
  side: 'request' | 'response' | 'document';
  /** JSON pointer into the request (`/body/organKind`, `/query/org_id`, `/body/json/tablemeta/0`) or response (`/data/token`) */
  pointer: string;
  /** What went wrong, for a person. */
  message: string;
  /** The JSON Schema keyword or pipeline rule that failed (`required`, `enum`, `content-type`, `json-parse` ...). */
  rule: string;
}

/**
 * A fault of a served document, found once at start-up (serve warns, `lint --spec` reports it as an error): an
 * example that breaks its own schema (answered only when named), or a schema that cannot be compiled (its
 * operation is served without that validation).
 */
export interface DocumentProblem {
  kind: 'example' | 'schema';
  file: string;
  operationId: string;
  /** JSON pointer into the document: the example's value, or where the schema sits. */
  pointer: string;
  message: string;
}

/** One entry of an API's error-code catalogue (`x-error-catalog`). */
export interface CatalogEntry {
  key: string;
  code: string;
  message: string;
  meaning: string;
  body?: JsonObject;
  /** The HTTP status of this answer under `serve --http-status mapped` (the real servers always send 200). */
  'x-http-status'?: number;
}

/** Where an operation reads its token (`x-auth`). */
export interface AuthLocation {
  in: 'body' | 'query' | 'form';
  name: string;
}

export type BodyKind = 'json' | 'form' | 'none';

/** A form field that carries a JSON document (OpenAPI `contentMediaType: application/json`). */
export interface JsonField {
  name: string;
  validate: ValidateFunction;
}

export interface Operation {
  api: ApiName;
  operationId: string;
  method: string;
  /** The documented path template, e.g. `/v1/abutment/syncDeleteOrganMetadata/{otherId}` */
  path: string;
  summary: string;
  /** The catalogue keys this operation can answer with (`x-codes`). */
  codes: string[];
  /** Catalogue key for a request that breaks the contract (`x-param-error` or the dialect's role). */
  paramError: string;
  /** Catalogue key for a malformed or mistyped JSON form field (`x-json-error`), else `paramError`. */
  jsonError: string;
  auth?: AuthLocation;
  /** Envelope template set (`x-envelope`), `default` unless the operation says otherwise. */
  envelope: string;
  bodyKind: BodyKind;
  bodyRequired: boolean;
  /** Validators compiled once at start-up. */
  validateQuery?: ValidateFunction;
  validatePath?: ValidateFunction;
  validateBody?: ValidateFunction;
  /** A JSON body may come as any JSON media type (`application/merge-patch+json`) and be any JSON value its schema allows, not only an object. */
  anyJsonBody: boolean;
  jsonFields: JsonField[];
  /** Integer fields sent as text (query, path, form) and their width, checked digit by digit (exact-json.ts). */
  integerFields: {
    query?: ReadonlyMap<string, IntegerFormat>;
    path?: ReadonlyMap<string, IntegerFormat>;
    body?: ReadonlyMap<string, IntegerFormat>;
  };
  /** The dereferenced OpenAPI operation object (parameters, request body) for tools that need more. */
  raw: JsonObject;
  /** How the operation's API answers: its envelope and catalogue, or problem documents at HTTP statuses. */
  dialect: Dialect;
  /** The document the operation comes from, for messages. */
  file: string;
  /** Every declared response by status as the document writes it (`200`, `4XX`, `default`), compiled once. */
  responses: Map<string, DeclaredResponse>;
  /** The lowest declared 2xx (or `default`, else the first declared, else an empty 200). */
  success: DeclaredResponse;
  /** Alternatives (OR) of requirements (AND); undefined or empty: none. A requirement with no schemes is anonymous. */
  security?: SecurityScheme[][];
  /** How the operation takes part in REST-shaped state (rest-shape.ts), when it has that shape. */
  rest?: RestRole;
  /** Header parameters (lower case) and their validator; Accept, Content-Type and Authorization are not parameters (OpenAPI). */
  headerParams?: { names: string[]; validate: ValidateFunction };
  /** Query parameters of array type: repeated (`explode`, the default) or comma-separated. */
  arrayQuery?: Array<{ name: string; explode: boolean }>;
}

/** One declared response of an operation, compiled once. */
export interface DeclaredResponse {
  /** `200`, `4XX`, `default` as the document writes it. */
  status: string;
  /** The media type answered (a JSON one when declared), undefined for a response without content. */
  contentType?: string;
  schema?: JsonObject;
  validate?: ValidateFunction;
  /** Named examples (`examples.*.value`), then `example` under the name `example`. */
  examples: Map<string, unknown>;
  /** The examples that break the response's own schema (a served document's fault): answered only when asked for by name. */
  broken?: ReadonlySet<string>;
}

/** One way to meet a security requirement: every scheme of one requirement object. */
export interface SecurityScheme {
  name: string;
  /** Where the credential is read. */
  in: 'header' | 'query' | 'cookie';
  /** Header, query or cookie name (`authorization` for HTTP and OAuth schemes, lower case for headers). */
  key: string;
  /** `Bearer` / `Basic`: the Authorization scheme the value must start with. */
  prefix?: string;
}

/** How an operation takes part in REST-shaped state (see rest-state.ts). */
export interface RestRole {
  kind: 'create' | 'list' | 'read' | 'replace' | 'merge' | 'delete';
  /** The item path template the collection belongs to, e.g. `/api/pets/{id}`. */
  itemPath: string;
  /** The path parameter naming an item (`id`, `petId`). */
  param: string;
  /** The record field that holds the id. */
  idField: string;
  idType: 'integer' | 'string' | 'uuid';
  /** The schema of one item (from the item GET or the create body), for generated fields. */
  itemSchema?: JsonObject;
  /** The item's declared fields, and those a create or replace fills in when the request leaves them out (required or readOnly). */
  fields: string[];
  filled: string[];
  /** For `list`: the property of an object response that holds the items (undefined: the response is the array). */
  listProperty?: string;
  /** `x-mock-state: strict` (document, path item or operation): an item exists only once created (rest-state.ts). */
  strict?: boolean;
  /** The item GET's documented example (one that meets its schema), what an untouched item answers with under overlay. */
  itemExample?: JsonObject;
  /** For `list`: the list's documented answer (one that meets its schema), answered until the session writes to the collection. */
  listExample?: unknown;
}
