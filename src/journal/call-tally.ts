/**
 * Call tally: counts of the calls this instance served, by API, operation and business code, with their violations,
 * and a latency histogram per API; fed once per call where the journal is, O(1) with no string built. Knows nothing
 * of Prometheus (src/admin/metrics.ts reads it when scraped) nor of HTTP.
 */
import type { CallRecord } from './call-record.js';

/** Upper bounds of the latency buckets, in seconds: answers are tens of µs, scenario delays seconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Distinct (api, operation, code) series kept; a code past it is counted as OTHER_CODE (a handler inventing codes cannot grow it without bound). */
export const MAX_SERIES = 5000;
export const OTHER_CODE = 'other';

/** One (api, operation, code): `''` where the call had none (no API matched, no business code in the body). */
export interface CallCount {
  readonly api: string;
  readonly operation: string;
  readonly code: string;
  calls: number;
  /** Calls with at least one violation, and the violations found in all. */
  violatingCalls: number;
  violations: number;
}

/** One API's latency: calls per bucket (not cumulative; the last slot is past the largest bound), their sum and count. */
export interface Latency {
  readonly api: string;
  readonly buckets: number[];
  sumSeconds: number;
  count: number;
}

export class CallTally {
  private readonly counts = new Map<string, Map<string, Map<string, CallCount>>>();
  private readonly latencies = new Map<string, Latency>();
  private series = 0;
  /** Bucket bounds in ms, as records carry durations. */
  private readonly boundsMs = LATENCY_BUCKETS.map((s) => s * 1000);

  /** Counts one served call. */
  count(record: CallRecord): void {
    const api = record.api ?? '';
    const entry = this.entry(api, record.operationId ?? '', record.response.code ?? '');
    entry.calls++;
    const n = record.violations.length;
    if (n) {
      entry.violatingCalls++;
      entry.violations += n;
    }
    let latency = this.latencies.get(api);
    if (!latency)
      this.latencies.set(
        api,
        (latency = { api, buckets: new Array<number>(this.boundsMs.length + 1).fill(0), sumSeconds: 0, count: 0 }),
      );
    const ms = record.durationMs;
    const bounds = this.boundsMs;
    let i = 0;
    while (i < bounds.length && ms > bounds[i]!) i++;
    latency.buckets[i]!++;
    latency.sumSeconds += ms / 1000;
    latency.count++;
  }

  /** Every series counted so far. */
  *callCounts(): IterableIterator<CallCount> {
    for (const ops of this.counts.values()) for (const codes of ops.values()) yield* codes.values();
  }

  latency(): IterableIterator<Latency> {
    return this.latencies.values();
  }

  private entry(api: string, operation: string, code: string): CallCount {
    let ops = this.counts.get(api);
    if (!ops) this.counts.set(api, (ops = new Map()));
    let codes = ops.get(operation);
    if (!codes) ops.set(operation, (codes = new Map()));
    const found = codes.get(code);
    if (found) return found;
    if (this.series >= MAX_SERIES && code !== OTHER_CODE) return this.entry(api, operation, OTHER_CODE);
    const made: CallCount = { api, operation, code, calls: 0, violatingCalls: 0, violations: 0 };
    codes.set(code, made);
    this.series++;
    return made;
  }
}
