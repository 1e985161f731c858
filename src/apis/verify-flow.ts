/**
 * The vocabulary of a verification flow: an API's stateful walk (token → save → delete ...) written as a
 * list of steps in the API's folder, which `verify` runs generically (src/verify/run-flow.ts). Each step
 * says the request, the answer it expects, what that answer must show and which values it carries on.
 * Knows nothing of HTTP or of how steps are sent.
 */
import type { JsonObject } from '../contract/types.js';

/**
 * What a verify run is given to sign in with (`--appid`, `--secret`, `--wuhan-token`, `--org-id`, `--config`):
 * credential name → value. Each flow names the ones it reads and their defaults (the mock's seed).
 */
export type Credentials = Readonly<Record<string, string | undefined>>;

/** Request parts of one step: path parameters, query and body (form fields that carry JSON as objects). */
export interface FlowRequest {
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: JsonObject;
}

/** What a flow starts from: a text unique to this run (so a run never meets an earlier run's records) and the credentials. */
export interface FlowStart {
  run: string;
  credentials: Credentials;
}

/**
 * One step. `V` is the flow's values: made by `start`, then each step's `carry` adds what its answer gave.
 * Methods (not function properties) so a flow of any `V` is an `ApiModule['verifyFlow']`.
 */
export interface FlowStep<V> {
  /** Shown after `<api> flow: ` as the check's name (`get a token`, `delete it again: 16000`). */
  label: string;
  operationId: string;
  request(values: V): FlowRequest;
  /**
   * The outcome the answer must carry: a catalogue key for an envelope API (`200`, `16000:exists`), the HTTP
   * status for a served document (`201`, `404`).
   */
  expect: string;
  /** What the answer must show beyond its outcome: a sentence saying what is wrong, or undefined. Runs when an outcome was read. */
  check?(answer: JsonObject, values: V): string | undefined;
  /** Values the next steps read, taken from this answer (an object; `{}` when it was none). */
  carry?(answer: JsonObject, values: V): Partial<V>;
}

export interface VerifyFlow<V = Record<string, unknown>> {
  /** Credentials the steps read, with their defaults: what the mock seeds, so a run against it needs no flags. */
  credentials?: Credentials;
  /** Which of those credentials are secret: reports mask their values wherever they appear. */
  secrets?: readonly string[];
  start(from: FlowStart): V;
  steps: ReadonlyArray<FlowStep<V>>;
}

/** `answer.data` as an object (`{}` when absent or not one): the envelope field most steps read. */
export const dataOf = (answer: JsonObject): JsonObject => {
  const data = answer['data'];
  return (data && typeof data === 'object' ? data : {}) as JsonObject;
};

/** Types a flow's steps against its values, and gives it the shape `ApiModule.verifyFlow` holds. */
export const defineFlow = <V>(flow: VerifyFlow<V>): VerifyFlow<unknown> => flow as VerifyFlow<unknown>;
