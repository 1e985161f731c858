/** CallRecord: the one immutable record of a served request (WireMock's ServeEvent). Built by the pipeline, stored by the journal. */
import type { ApiName, JsonObject, Violation } from '../contract/types.js';

/** An outgoing HTTP call the mock makes on a client's behalf (wx-push delivers events to push projects). */
export interface Delivery {
  url: string;
  body: JsonObject;
  /** Set by a scenario: record the delivery as failed with this error instead of sending it. */
  simulatedFailure?: string;
}

/**
 * What became of one delivery, as the journal keeps it. The event itself is not repeated here: it is
 * the request body of the call that caused the delivery, stored once in that call's record.
 */
export interface DeliveryOutcome {
  url: string;
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
  /**
   * Not attempted: the destination is not allowed, the call had more deliveries than --max-deliveries, the
   * url is the mock itself (`self`) or an admin path (`admin-path`), or the call was itself a delivery (`from-delivery`).
   */
  refused?: 'not-allowed' | 'max-deliveries' | 'self' | 'admin-path' | 'from-delivery';
  /** Still running when the record was written (the record is written when the answer is sent). */
  pending?: true;
}

/** Which calls a journal query returns (the admin API's filters). */
export interface CallFilter {
  api?: string;
  operationId?: string;
  method?: string;
  path?: string;
  /** ISO time: only calls at or after it. */
  since?: string;
  /** Only the newest N (still returned oldest first). */
  limit?: number;
  violationsOnly?: boolean;
}

export interface ScenarioEffect {
  scenario: string;
  rule: number;
  description?: string;
}

export interface CallRecord {
  id: string;
  /** Wall-clock time the request arrived, ISO 8601. */
  time: string;
  /** The session's mock clock when the request arrived, epoch ms. */
  mockTime: number;
  session: string;
  api: ApiName | null;
  operationId: string | null;
  method: string;
  path: string;
  query: JsonObject;
  request: {
    headers: Record<string, string>;
    /** Parsed body (JSON carried in form fields parsed too); raw text when it could not be parsed. */
    body: unknown;
  };
  response: {
    status: number;
    headers: Record<string, string>;
    body: unknown;
    /** The API's business code (`40410`, `1`, `000000`) when the body carries one. */
    code: string | null;
    /** A network fault a scenario injected instead of (or into) the answer. */
    fault?: string;
  };
  durationMs: number;
  /** The order in which this session's handlers ran this call (1, 2, 3 ...; absent when no handler ran). */
  order?: number;
  violations: Violation[];
  scenarios: ScenarioEffect[];
  deliveries: DeliveryOutcome[];
  /** Deliveries of this call not listed in `deliveries` (a long list is cut to stay within the record budget). */
  deliveriesNotListed?: number;
}
