/**
 * Serves public documents one at a time in process (startMock on a free loopback port) and sends each its corpus
 * calls (bench/corpus-calls.mjs); owns the outcome of each document and the suite's summary line, no assertion.
 */
import { readFileSync } from 'node:fs';
import { corpusCalls, corpusName, percent, sendCalls, tally, type CorpusResult } from '../../bench/corpus-calls.mjs';
import { contractWith } from '../../src/contract/contract-cache.js';
import { loadServedSpec } from '../../src/contract/load-specs.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { startMock } from '../../src/server/start-mock.js';

export type DocumentOutcome =
  | { kind: 'served'; name: string; results: CorpusResult[]; records: CallRecord[] }
  | { kind: 'refused'; name: string; reason: string }
  | { kind: 'crashed'; name: string; error: string };

/**
 * A document the mock will not serve says so with an Error naming the file (not an OpenAPI document, no operations);
 * anything else thrown while loading (a TypeError, a message that names no file) is a crash of the mock's own.
 */
function failed(name: string, file: string, e: unknown): DocumentOutcome {
  const message = e instanceof Error ? e.message : String(e);
  const refusal = e instanceof Error && e.constructor === Error && message.includes(file);
  return refusal
    ? { kind: 'refused', name, reason: message.replace(file, name).split('\n')[0]!.slice(0, 200) }
    : { kind: 'crashed', name, error: e instanceof Error ? (e.stack ?? message) : message };
}

/** Serves `file` and sends it its calls; the call records are the journal's view of each. */
export async function serveDocument(file: string): Promise<DocumentOutcome> {
  const name = corpusName(file);
  let contract: Awaited<ReturnType<typeof contractWith>>;
  let mount: string;
  try {
    const spec = await loadServedSpec(file);
    mount = spec.mount ?? '';
    contract = await contractWith([spec]);
  } catch (e) {
    return failed(name, file, e);
  }
  const records: CallRecord[] = [];
  const mock = await startMock({ contract, seed: 28, onCall: (r) => records.push(r), log: () => {} });
  try {
    const results = await sendCalls(mock.url, mount, corpusCalls(JSON.parse(readFileSync(file, 'utf8'))));
    return { kind: 'served', name, results, records };
  } catch (e) {
    return { kind: 'crashed', name, error: (e as Error).stack ?? String(e) };
  } finally {
    await mock.close();
  }
}

/** What the suite prints and asserts over a run of documents. */
export interface CorpusSummary {
  documents: number;
  served: number;
  refused: Array<{ name: string; reason: string }>;
  crashed: Array<{ name: string; error: string }>;
  /** Calls the mock answered 5xx, with the answer. */
  serverErrors: string[];
  /** Calls whose answer broke the document's schema by the mock's own making (journal side `response`). */
  brokenAnswers: string[];
  /** Calls answered with the document's own example that breaks its schema (side `document`): not counted against the mock. */
  documentFaults: number;
  calls: number;
  ok: number;
  items: number;
  itemsOk: number;
}

export function summarise(outcomes: DocumentOutcome[]): CorpusSummary {
  const served = outcomes.filter((o) => o.kind === 'served');
  const results = served.flatMap((o) => o.results);
  const t = tally(results);
  const records = served.flatMap((o) => o.records.map((r) => ({ name: o.name, r })));
  return {
    documents: outcomes.length,
    served: served.length,
    refused: outcomes.flatMap((o) => (o.kind === 'refused' ? [{ name: o.name, reason: o.reason }] : [])),
    crashed: outcomes.flatMap((o) => (o.kind === 'crashed' ? [{ name: o.name, error: o.error }] : [])),
    serverErrors: served.flatMap((o) =>
      o.results
        .filter((r) => r.status >= 500)
        .map((r) => `${o.name} ${r.call.method} ${r.call.path}: ${r.status} ${r.answer.slice(0, 300)}`),
    ),
    brokenAnswers: records
      .filter(({ r }) => r.violations.some((v) => v.side === 'response'))
      .map(
        ({ name, r }) =>
          `${name} ${r.method} ${r.path} → ${r.response.status}: ${JSON.stringify(r.violations.filter((v) => v.side === 'response').slice(0, 3))}`,
      ),
    documentFaults: records.filter(({ r }) => r.violations.some((v) => v.side === 'document')).length,
    calls: t.calls,
    ok: t.ok,
    items: t.items,
    itemsOk: t.itemsOk,
  };
}

/** One line: served / refused / crashed, 5xx, broken answers, item GETs and calls answered 2xx. */
export function summaryLine(label: string, s: CorpusSummary): string {
  return (
    `${label}: ${s.documents} documents: ${s.served} served, ${s.refused.length} refused` +
    `${s.refused.length ? ` (${s.refused.map((r) => `${r.name}: ${r.reason}`).join('; ')})` : ''}, ${s.crashed.length} crashed; ` +
    `mock 5xx ${s.serverErrors.length}; answers that broke their schema by the mock's own making ${s.brokenAnswers.length} ` +
    `(document faults ${s.documentFaults}); item GETs 2xx ${s.itemsOk} of ${s.items} (${percent(s.itemsOk, s.items)}); ` +
    `calls 2xx ${s.ok} of ${s.calls} (${percent(s.ok, s.calls)})`
  );
}
