/**
 * What the stages share: the Walk (made once per pipeline: options, contract, limits, locks, held answers) and
 * the Call (one request on its way through the stages, each field set by the stage that learns it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiModule, Delivery, DeliveryOutcome } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { Match } from '../contract/match-route.js';
import type { HttpStatusMode } from '../contract/served-spec.js';
import type { ApiName, Operation, Violation } from '../contract/types.js';
import type { ParseLimits, RequestInput } from '../contract/validate-request.js';
import type { CallRecord, ScenarioEffect } from '../journal/call-record.js';
import type { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import type { Decision } from '../scenarios/apply-scenarios.js';
import type { Fault } from '../scenarios/scenario.js';
import type { SessionStore, Store } from '../state/store.js';
import type { SessionLock } from '../state/session-lock.js';
import type { DeliveryOptions } from '../deliveries/deliver.js';
import { FakeData, hashSeed, type FakeNames } from '../answers/fake-data.js';
import type { Answer } from '../answers/examples.js';
import type { BodyRead, BodyReader } from './body-reader.js';
import type { ForwardOptions } from './forward.js';

export type { Answer };

/** `serve --rest-state`: see PipelineOptions.restState. */
export type RestStateMode = 'overlay' | 'strict';

export interface Limits extends ParseLimits {
  maxBodyBytes: number;
  /** How long a request body may take to arrive. */
  requestTimeoutMs: number;
  /** Most answers held on purpose at once (`timeout` faults, scenario delays); each past it is answered at once (X-Mock-Limit: max-held). */
  maxHeld: number;
  /** Longest an answer is held on purpose: a `timeout` fault's connection is closed after it, a longer scenario delay is cut to it. */
  maxHoldMs: number;
  /** Largest answer body (characters of its JSON) an API call is answered with; a larger one is refused (serve --max-response). */
  maxResponseBytes: number;
}

/** serve --max-response: 64 MiB, four times a session's default state budget, far below what V8 can write as one string. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 1024 * 1024,
  maxDepth: 32,
  maxFields: 1000,
  maxViolations: 20,
  requestTimeoutMs: 30_000,
  maxHeld: 256,
  maxHoldMs: 300_000,
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
};

export interface PipelineOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  seed: number;
  limits: Limits;
  delivery: DeliveryOptions;
  /**
   * Called once per API call with its immutable record, before the answer is sent (the journal
   * listens here; a promise, as a shared journal's, is awaited: whoever got the answer finds the call
   * in the journal on every instance). Deliveries the call caused are then pending and reported by onDeliveries.
   */
  onCall(record: CallRecord): void | Promise<void>;
  /** The outcomes of a call's deliveries, once they have all settled. */
  onDeliveries?(record: CallRecord, outcomes: DeliveryOutcome[]): void | Promise<void>;
  /** Serialises each session's handlers; default in this process only. */
  locks?: SessionLock;
  log(message: string): void;
  scenarios?: ScenarioRegistry;
  /** How scenario delays wait; tests pass one that records instead of sleeping. */
  sleep(ms: number): Promise<void>;
  /** CORS headers for a response, as a flat name/value list. */
  corsHeaders(req: IncomingMessage): string[];
  /** `mapped`: a business error leaves with its catalogue entry's `x-http-status` instead of HTTP 200 (served-spec.ts). */
  httpStatus?: HttpStatusMode;
  /** Served documents' REST state: untouched items exist until deleted (`overlay`, the default) or only once created (`strict`). */
  restState?: RestStateMode;
  /** The proxy: forward every call to this upstream instead of answering it (forward.ts). */
  forward?: ForwardOptions;
}

/** What every stage may use, made once by createPipeline (no per-call state here). */
export interface Walk {
  options: PipelineOptions;
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  limits: Limits;
  locks: SessionLock;
  bodies: BodyReader;
  /** Outgoing deliveries still running. */
  pending: Set<Promise<unknown>>;
  /** Connections held open by the `timeout` fault. */
  hanging: Set<ServerResponse>;
  /** Answers held on purpose right now (timeout faults and scenario delays; the proxy: calls waiting on the upstream), at most limits.maxHeld. */
  held: number;
  /** Keep every request body's bytes (the proxy forwards them as they came). */
  keepBodies: boolean;
}

/**
 * One call on its walk through the stages: receive fills the first part; the later stages add what
 * they learn (each field says who sets it) and record turns it into the call's CallRecord.
 */
export interface Call {
  readonly req: IncomingMessage;
  readonly started: number;
  readonly time: string;
  readonly method: string;
  readonly pathname: string;
  readonly search: string;
  readonly sessionId: string;
  readonly match: Match;
  readonly session: SessionStore;
  readonly mockTime: number;
  readonly body: BodyRead;
  /** match: the operation and its API, when the path (and method) are documented. */
  op: Operation | undefined;
  api: ApiName | null;
  /** validate: the typed input of a call that honours the contract; the request body and query as the record shows them. */
  input: RequestInput | undefined;
  recordedBody: unknown;
  query: RequestInput['query'] | undefined;
  /** Every stage: how the call (and then its answer) breaks the contract. */
  violations: Violation[];
  /** scenario: the rules that applied, their decision and flags for the handler, and the network fault to play instead of an answer. */
  applied: ScenarioEffect[];
  decision: Decision | undefined;
  flags: Record<string, unknown>;
  fault: Fault | undefined;
  /** scenario: headers every answer to the call carries (X-Mock-Scenario-Applied). */
  headers: Record<string, string>;
  /** handle: the deliveries it queued, and its place in the session's order of handlers. */
  deliveries: Delivery[];
  order: number;
  /** The call's seeded fake data, made on first use (scenario delays, the handler). */
  fake: FakeData | undefined;
  /** scenario: the call holds one of the limits.maxHeld slots (a delay, a `timeout` fault), until it lets go of it. */
  held: boolean;
  /** respond: the answer's body as written once (JSON), for the response and the record's size check. */
  payload: string | undefined;
}

/** Told apart by `status`, which no stage's other results have. */
export const isAnswer = (v: object): v is Answer => 'status' in v;

export const headerValue = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join(', ') : v;

/** Data for generated error bodies: seeded by session and operation (no counter: a refused call changes no state). */
export function errorFake(w: Walk, call: Call, op: Operation): FakeData {
  return new FakeData(hashSeed(w.options.seed, call.sessionId, 'error', op.operationId), namesOf(w, op.api));
}

/** A served document's generated strings read in English; the four built-in APIs keep their Chinese data. */
export const namesOf = (w: Walk, api: ApiName | null | undefined): FakeNames =>
  api && w.contract.apis.get(api)?.spec.mount !== undefined ? 'en' : 'zh';

/** The call's seeded fake data, made once, numbered by the session's call counter (a promise only when the store's counter is one). */
export function fakeOf(w: Walk, call: Call): FakeData | Promise<FakeData> {
  if (call.fake) return call.fake;
  const seq = call.session.nextSeq('mock:calls');
  const made = (n: number): FakeData =>
    (call.fake ??= new FakeData(hashSeed(w.options.seed, call.sessionId, n), namesOf(w, call.api)));
  return typeof seq === 'number' ? made(seq) : seq.then(made);
}

/** The call lets go of its held slot (once). */
export function unhold(w: Walk, call: Call): void {
  if (!call.held) return;
  call.held = false;
  w.held--;
}

/** The dialect of the API a call reached, if any. */
export const dialectOf = (w: Walk, api: ApiName | null | undefined) =>
  api ? w.contract.apis.get(api)!.dialect : undefined;
