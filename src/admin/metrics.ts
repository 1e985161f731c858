/**
 * `GET /__mock/metrics`: the mock's metrics in the Prometheus text format, from a prom-client Registry of its own (one
 * per mock, never prom-client's global one). Calls, violations and latency are read from the call tally when scraped
 * (the request path only counts, src/journal/call-tally.ts); sessions, journal and store from what health reports.
 * Owns the metric names and help texts; the guard and the answer's route are the listener's.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallTally } from '../journal/call-tally.js';
import { LATENCY_BUCKETS } from '../journal/call-tally.js';
import type { JournalStats } from '../journal/journal.js';
import type { PersistenceFailure } from '../state/append-line.js';
import type { SessionStats, StoreHealth } from '../state/store.js';
import { packageVersion } from '../server/package-version.js';

/** What health reports of the mock's backends, gathered once per scrape (sessions left out while the store is down). */
export interface MockSnapshot {
  journal: JournalStats;
  sessions?: SessionStats;
  store?: StoreHealth;
  persistence: PersistenceFailure[];
}

export interface MockMetrics {
  /** The exposition's Content-Type (text format 0.0.4). */
  readonly contentType: string;
  render(snapshot: MockSnapshot): Promise<string>;
}

const CALL_LABELS = ['api', 'operation', 'code'] as const;
type CallLabel = (typeof CALL_LABELS)[number];
const LATENCY = 'contract_mock_call_duration_seconds';

/**
 * The latency histogram, rendered from the tally's buckets: prom-client's registry asks a histogram for its values
 * through getForPromString, and prom-client has no way to set a bucket, only to observe one call at a time (about
 * 1 µs a call here, a few % of a call's CPU), so the counting stays in the tally and this answers with its buckets.
 */
class TallyHistogram extends Histogram<'api'> {
  constructor(
    private readonly tally: CallTally,
    registry: Registry,
  ) {
    super({
      name: LATENCY,
      help: 'Time from a call arriving to its answer, scenario delays included, by API',
      labelNames: ['api'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    });
  }

  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: unknown[];
    aggregator: string;
  }> {
    const values: unknown[] = [];
    for (const { api, buckets, sumSeconds, count } of this.tally.latency()) {
      const sharedLabels = { api };
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += buckets[i]!;
        values.push({ labels: { le }, sharedLabels, value: cumulative, metricName: `${LATENCY}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels, value: count, metricName: `${LATENCY}_bucket` });
      values.push({ labels: {}, sharedLabels, value: sumSeconds, metricName: `${LATENCY}_sum` });
      values.push({ labels: {}, sharedLabels, value: count, metricName: `${LATENCY}_count` });
    }
    return {
      name: LATENCY,
      help: 'Time from a call arriving to its answer, scenario delays included, by API',
      type: 'histogram',
      values,
      aggregator: 'sum',
    };
  }
}

/** Reads the backends' figures of the scrape under way (none before the first). */
type CurrentSnapshot = () => MockSnapshot | undefined;

/** Registers the tally's call counters (calls, violating calls, violations) and its latency histogram. */
function registerCallMetrics(registry: Registry, tally: CallTally): void {
  const registers = [registry];
  /** A counter per call figure of the tally, set from it on each scrape. */
  const callCounter = (
    name: string,
    help: string,
    figure: 'calls' | 'violatingCalls' | 'violations',
  ): Counter<CallLabel> =>
    new Counter({
      name,
      help,
      labelNames: CALL_LABELS,
      registers,
      collect(this: Counter<CallLabel>) {
        this.reset();
        for (const c of tally.callCounts()) this.inc({ api: c.api, operation: c.operation, code: c.code }, c[figure]);
      },
    });
  callCounter(
    'contract_mock_calls_total',
    "API calls this instance answered, by API, operation and business code ('' when there is none)",
    'calls',
  );
  callCounter(
    'contract_mock_violating_calls_total',
    'API calls whose request or response broke the contract',
    'violatingCalls',
  );
  callCounter(
    'contract_mock_violations_total',
    'Contract violations found in API calls (a call may have several)',
    'violations',
  );
  new TallyHistogram(tally, registry);
}

/** Registers the sessions', journal's and persistence's figures, read from each scrape's snapshot. */
function registerBackendFigures(registry: Registry, current: CurrentSnapshot): void {
  const registers = [registry];
  /** A gauge (or a counter, for a running total) of one backend figure; left at its last value while the figure is unknown. */
  const figure = (
    kind: 'gauge' | 'counter',
    name: string,
    help: string,
    read: (s: MockSnapshot) => number | undefined,
  ): void => {
    const collect = function (this: Gauge | Counter): void {
      const snapshot = current();
      const value = snapshot && read(snapshot);
      if (value === undefined) return;
      this.reset();
      if (this instanceof Gauge) this.set(value);
      else this.inc(value);
    };
    if (kind === 'gauge') new Gauge({ name, help, registers, collect });
    else new Counter({ name, help, registers, collect });
  };
  figure(
    'gauge',
    'contract_mock_sessions_held',
    'Sessions the store holds (every instance of a shared store)',
    (s) => s.sessions?.held,
  );
  figure('gauge', 'contract_mock_sessions_max', 'The session cap (serve --max-sessions)', (s) => s.sessions?.max);
  figure(
    'counter',
    'contract_mock_sessions_evicted_total',
    'Idle sessions dropped to make room for new ones',
    (s) => s.sessions?.evicted,
  );
  figure('gauge', 'contract_mock_journal_records', 'Call records the journal holds', (s) => s.journal.records);
  figure('gauge', 'contract_mock_journal_bytes', 'Bytes the journal holds', (s) => s.journal.bytes);
  figure(
    'counter',
    'contract_mock_journal_evicted_total',
    'Call records dropped to stay within the journal caps',
    (s) => s.journal.evicted,
  );
  figure(
    'gauge',
    'contract_mock_persistence_failures',
    'Files the mock cannot write (state.log, the journal): health says degraded while not 0',
    (s) => s.persistence.length,
  );
}

/** Registers whether the store answers, by backend, and the version serving. */
function registerStoreAndInfo(registry: Registry, current: CurrentSnapshot): void {
  new Gauge({
    name: 'contract_mock_store_up',
    help: "Whether the store answers (1) or not (0), by backend (local: in this process's memory or --state folder); health says store-unavailable while 0",
    labelNames: ['backend'],
    registers: [registry],
    collect(this: Gauge<'backend'>) {
      const snapshot = current();
      if (!snapshot) return;
      this.reset();
      this.set(
        { backend: snapshot.store?.backend ?? 'local' },
        snapshot.store && snapshot.store.status !== 'up' ? 0 : 1,
      );
    },
  });
  new Gauge({
    name: 'contract_mock_info',
    help: 'Always 1; the version of contract-mock serving',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: packageVersion() }, 1);
}

/** One mock's registry over its tally; `render` takes the backends' figures of this scrape. */
export function createMetrics(tally: CallTally): MockMetrics {
  const registry = new Registry();
  let snapshot: MockSnapshot | undefined;
  const current = (): MockSnapshot | undefined => snapshot;
  registerCallMetrics(registry, tally);
  registerBackendFigures(registry, current);
  registerStoreAndInfo(registry, current);
  return {
    contentType: registry.contentType,
    render(latest) {
      snapshot = latest;
      return registry.metrics();
    },
  };
}
