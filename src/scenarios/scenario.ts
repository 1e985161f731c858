/** Scenario vocabulary: what a scenario file says (scenarios/scenario.schema.json is its JSON Schema). */

/** The fixed set of network faults (WireMock's Fault enum). */
export const FAULTS = ['connection-reset', 'empty-response', 'malformed-json', 'timeout'] as const;
export type Fault = (typeof FAULTS)[number];

/** A predicate value: equal to (numbers and strings compare as text), or an operator object. */
export type Predicate =
  string | number | boolean | null | { in?: unknown[]; matches?: string; exists?: boolean } | Record<string, unknown>;

export interface When {
  api?: string | string[];
  operationId?: string | string[];
  method?: string | string[];
  path?: string;
  /** Only operations that read a token (`x-auth` in the spec). */
  authenticated?: boolean;
  query?: Record<string, Predicate>;
  headers?: Record<string, Predicate>;
  /** Partial match over the parsed body; JSON carried in form fields is parsed (`body.json.tablemeta`). */
  body?: Record<string, Predicate>;
}

export interface Effect {
  name: string;
  [param: string]: unknown;
}

export interface Then {
  /** A business error by the API's own code or catalogue key (`"40410"`, `"16000:missing"`), in that API's envelope. */
  error?: string;
  /** Replaces the catalogue's message in the error envelope. */
  message?: string;
  /** A response of the scenario's own: status (default 200), body, headers. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** An HTTP error with an HTML body, as a gateway sends (502, 503, 504 ...). */
  httpError?: number;
  fault?: Fault;
  /** Milliseconds, or a range picked per call (seeded). */
  delay?: number | { min: number; max: number };
  /** Changes the session's real state before the handler runs (`expire-token`, `ios-device-history`). */
  effect?: string | Effect;
  /** Explicitly hand the call to the normal handler (a step that "succeeds"). */
  pass?: boolean;
}

export interface Rule {
  description?: string;
  when: When;
  then?: Then;
  /** Applies at most this many times per session. */
  times?: number;
  /** Ordered outcomes, one per matching call (per session); after the last the rule no longer applies. */
  steps?: Then[];
}

export interface Scenario {
  name: string;
  description: string;
  /** The QA question the scenario answers (shown in scenarios/README.md and the dashboard). */
  question?: string;
  /** State to seed when the scenario is activated, as POST /__mock/state takes it. */
  given?: Record<string, Record<string, unknown[]>>;
  rules: Rule[];
  file: string;
}
