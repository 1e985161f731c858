/** Contract vocabulary: the types every stage of the pipeline shares. Knows nothing of HTTP or state. */
import type { ValidateFunction } from 'ajv';

export type ApiName = 'platform-sync' | 'wuhan-eduyun' | 'ios-datasyn' | 'wx-push';

export type JsonObject = Record<string, unknown>;

/** One thing a request or response did wrong, as data (Prism's `{path, code, message}`). */
export interface Violation {
  /** `request` or `response` */
  side: 'request' | 'response';
  /** JSON pointer into the request (`/body/organKind`, `/query/org_id`, `/body/json/tablemeta/0`) or response (`/data/token`) */
  pointer: string;
  /** What went wrong, for a person. */
  message: string;
  /** The JSON Schema keyword or pipeline rule that failed (`required`, `enum`, `content-type`, `json-parse` ...). */
  rule: string;
}

/** One entry of an API's error-code catalogue (`x-error-catalog`). */
export interface CatalogEntry {
  key: string;
  code: string;
  message: string;
  meaning: string;
  body?: JsonObject;
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
  validateResponse: ValidateFunction;
  jsonFields: JsonField[];
  /** The dereferenced OpenAPI operation object (examples, schemas) for tools that need more. */
  raw: JsonObject;
}
