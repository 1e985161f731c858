/** What each upstream API contributes to the mock: its handlers, its seed records and how its state is keyed. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect } from '../contract/dialect.js';
import type { RequestInput } from '../contract/validate-request.js';
import type { ApiName, JsonObject, Operation, Violation } from '../contract/types.js';
import type { SessionStore } from '../state/store.js';

// Deliveries are journal vocabulary (call-record.ts, which the client's type declarations reach without node:http).
import type { Delivery, DeliveryOutcome } from '../journal/call-record.js';
import type { VerifyFlow } from './verify-flow.js';
import type { ProviderStateRules } from './provider-states.js';
export type { Delivery, DeliveryOutcome };

/**
 * The generated values handlers and seeded records draw on (seeded per session; the mock's FakeData is one).
 * Declared here so an API module imports nothing of the mock.
 */
export interface FakeValues {
  /** A whole number from min to max, both included. */
  int(min: number, max: number): number;
  personName(): string;
  schoolName(): string;
  /** 武汉市第七中学 → 武汉七中. */
  shortSchoolName(name: string): string;
  pushProjectName(): string;
}

export interface HandlerContext {
  op: Operation;
  input: RequestInput;
  headers: IncomingHttpHeaders;
  session: SessionStore;
  dialect: Dialect;
  /** Seeded per session, so generated fields repeat from run to run. */
  fake: FakeValues;
  /** Queues an outgoing delivery; it runs after the response is sent and never fails the call. */
  deliver(delivery: Delivery): void;
  /** Marks scenario effects left for the handler of this one call (`fail-deliveries`). */
  flags: Record<string, unknown>;
}

export type Handler = (ctx: HandlerContext) => Promise<JsonObject>;

export interface CompleteContext {
  now: number;
  dialect: Dialect;
  /** A generated, realistic instance of one of the spec's `components.schemas` (json-schema-faker, seeded). */
  generate(schemaName: string): JsonObject;
}

export interface CollectionInfo {
  /** The record field that keys the collection (`otherId`, `appid`, `org_id` ...). */
  key: string;
  description: string;
  /** Fills the fields a seeded record leaves out (generated, realistic). */
  complete?: (partial: JsonObject, fake: FakeValues, ctx: CompleteContext) => JsonObject;
  /** The spec's `components.schemas` entry a seeded record is checked against (POST /__mock/state, `given`). */
  schema?: string;
  /** Fields that schema requires of a request but a stored record does not need (platform-sync's access_token). */
  notStored?: string[];
  /** Fields a stored record may carry beyond that schema (ios-datasyn's userId). */
  alsoStored?: string[];
}

export interface ApiModule {
  api: ApiName;
  handlers: Record<string, Handler>;
  /** Collections a user may seed through `POST /__mock/state` and `given:` in scenarios. */
  collections: Record<string, CollectionInfo>;
  /**
   * Code for collections the API's document declares (`x-mock-state`), field by field over the declared ones: what
   * a declaration cannot say (wuhan-eduyun's short school name that follows the full name given).
   */
  collectionCode?: Record<string, Pick<CollectionInfo, 'complete'>>;
  /** Records every new or reset session starts with: collection → key → record. */
  seed(): Record<string, Record<string, unknown>>;
  /**
   * The message for a parameter-error envelope, where the API words it by cause (wuhan-eduyun's one
   * failure code 100001 says which parameter). Undefined keeps the catalogue's message.
   */
  violationMessage?(violations: Violation[], dialect: Dialect): string | undefined;
  /**
   * State effects a scenario can apply before the handler runs (`expire-token` expires the token the
   * request presents as if its TTL had passed), so the handler answers from real state.
   */
  effects?: Record<string, Effect>;
  /** The stateful walk `verify` runs against a provider, as data (./verify-flow.ts); `defineFlow` types it. */
  verifyFlow?: VerifyFlow<unknown>;
  /** What a recorded call needed of the state, as Pact provider states (`contract-mock pact`): one instance per pact. */
  providerStates?(): ProviderStateRules;
}

export interface EffectContext {
  op: Operation;
  input: RequestInput;
  session: SessionStore;
  params: Record<string, unknown>;
  /** Per-call marks the handler reads (see HandlerContext.flags). */
  flags: Record<string, unknown>;
}

export type Effect = (ctx: EffectContext) => Promise<void>;

/** `platform-sync` + `schools` → `platform-sync:schools`: the store's collection name. */
export const collectionName = (api: ApiName, kind: string): string => `${api}:${kind}`;

/** The token a request presents, read where the operation's `x-auth` says. */
export function presentedToken(op: Operation, input: RequestInput): string | undefined {
  if (!op.auth) return undefined;
  const from = op.auth.in === 'query' ? input.query : input.body;
  const v = from?.[op.auth.name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
