/** The vocabulary of a verification report: one CheckResult per request sent, and the report that sums them. Knows nothing of sending. */
import type { ApiName, Violation } from '../contract/types.js';
import type { OutgoingRequest } from './build-requests.js';

export type CheckKind = 'example' | 'generated' | 'negative' | 'flow' | 'pact';

export interface CheckResult {
  api: ApiName;
  operationId: string;
  kind: CheckKind;
  name: string;
  ok: boolean;
  failures: Violation[];
  request: OutgoingRequest & { url: string };
  response?: { status: number; contentType?: string; body: unknown };
  durationMs: number;
}

export interface VerificationReport {
  target: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  summary: { total: number; passed: number; failed: number; byApi: Record<string, { total: number; failed: number }> };
}
