/**
 * The violation report: calls grouped by operation, each distinct violation counted, as a table, JUnit XML or JSON.
 * A violation of side `document` (a served document's example breaking its own schema) is listed apart and not
 * counted against the client: `violations` and `violatingCalls` leave it out, `documentFaults` counts it.
 */
import Table from 'cli-table3';
import junitModule, { type Builder } from 'junit-report-builder';
import type { CallRecord } from './call-record.js';
import type { Violation } from '../contract/types.js';
import { writePrivateFile } from './write-private-file.js';

export interface ReportedViolation {
  side: Violation['side'];
  pointer: string;
  rule: string;
  message: string;
  count: number;
  /** The first few calls that broke it. */
  calls: Array<{ id: string; method: string; path: string; time: string }>;
}

export interface OperationReport {
  api: string;
  operation: string;
  calls: number;
  violatingCalls: number;
  violations: ReportedViolation[];
  /** Violations of side `document` among `violations` (present when any): the document's fault, not the client's. */
  documentFaults?: number;
}

export interface ViolationReport {
  session: string;
  calls: number;
  /** Records of the session the journal lost to its caps (present when any were): the report cannot vouch for them. */
  lost?: number;
  violations: number;
  /** Violations of side `document` (present when any): not in `violations`; they fail the report only when asked. */
  documentFaults?: number;
  operations: OperationReport[];
}

/** What a report says of the document's own faults: apart from the client's, and not failing the report unless asked. */
export const documentLine = (report: ViolationReport): string =>
  `${report.documentFaults} answer(s) in session "${report.session}" broke the served document's own schema with the document's own example (side "document"): the document's fault, not the client's; report --fail-on-document-faults counts them`;

/** What a report says of records lost to the journal's caps: they were not checked. */
export const lostLine = (report: ViolationReport): string =>
  `${report.lost} record(s) of session "${report.session}" were evicted by the journal's caps (--journal-per-session, --journal-total) and not checked: this report cannot vouch for the calls they held; clear the journal before a run (DELETE /__mock/calls) or raise the caps`;

export function buildReport(session: string, calls: CallRecord[], lost = 0): ViolationReport {
  const ops = new Map<string, OperationReport & { byKey: Map<string, ReportedViolation> }>();
  for (const c of calls) {
    const operation = c.operationId ?? `(unmatched) ${c.method} ${c.path}`;
    const key = `${c.api ?? '-'} ${operation}`;
    let op = ops.get(key);
    if (!op)
      ops.set(
        key,
        (op = { api: c.api ?? '-', operation, calls: 0, violatingCalls: 0, violations: [], byKey: new Map() }),
      );
    op.calls++;
    if (c.violations.some((v) => v.side !== 'document')) op.violatingCalls++;
    for (const v of c.violations) {
      if (v.side === 'document') op.documentFaults = (op.documentFaults ?? 0) + 1;
      const vkey = `${v.side} ${v.pointer} ${v.rule} ${v.message}`;
      let r = op.byKey.get(vkey);
      if (!r)
        op.byKey.set(
          vkey,
          (r = { side: v.side, pointer: v.pointer || '/', rule: v.rule, message: v.message, count: 0, calls: [] }),
        );
      r.count++;
      if (r.calls.length < 5) r.calls.push({ id: c.id, method: c.method, path: c.path, time: c.time });
    }
  }
  const operations = [...ops.values()].map(({ byKey, ...op }) => ({ ...op, violations: [...byKey.values()] }));
  operations.sort((a, b) => a.api.localeCompare(b.api) || a.operation.localeCompare(b.operation));
  const documentFaults = operations.reduce((n, o) => n + (o.documentFaults ?? 0), 0);
  const violations = operations.reduce((n, o) => n + o.violations.reduce((m, v) => m + v.count, 0), 0) - documentFaults;
  return {
    session,
    calls: calls.length,
    ...(lost > 0 && { lost }),
    violations,
    ...(documentFaults > 0 && { documentFaults }),
    operations,
  };
}

export function renderTable(report: ViolationReport): string {
  const table = new Table({
    head: ['api', 'operation', 'calls', 'bad calls', 'violation (side pointer rule: message ×count)'],
    wordWrap: true,
    colWidths: [15, 28, 7, 10, 70],
    style: { head: [], border: [] },
  });
  for (const op of report.operations) {
    const lines = op.violations.map((v) => `${v.side} ${v.pointer} ${v.rule}: ${v.message} ×${v.count}`);
    table.push([op.api, op.operation, op.calls, op.violatingCalls, lines.join('\n') || 'ok']);
  }
  const summary = report.violations
    ? `${report.violations} contract violation(s) in ${report.calls} call(s) of session "${report.session}"`
    : `no contract violations in ${report.calls} call(s) of session "${report.session}"`;
  return `${table.toString()}\n${summary}${report.documentFaults ? `\n${documentLine(report)}` : ''}${report.lost ? `\n${lostLine(report)}` : ''}`;
}

// A CommonJS module: under Node's ESM loader its default export is the builder itself.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

/** One testcase per operation called (failing when any call broke the contract), and one failing testcase per distinct violation; written 0600. */
export function writeJunit(report: ViolationReport, file: string): void {
  const builder = junit.newBuilder();
  const suite = builder.testSuite().name(`contract-mock report (session ${report.session})`);
  if (report.lost)
    suite
      .testCase()
      .className('journal')
      .name('every call of the session was checked')
      .failure(lostLine(report), 'journal-lost');
  for (const op of report.operations) {
    const tc = suite.testCase().className(op.api).name(op.operation);
    if (op.violatingCalls)
      tc.failure(`${op.violatingCalls} of ${op.calls} call(s) broke the contract`, 'contract-violation');
    for (const v of op.violations) {
      if (v.side === 'document') {
        suite.testCase().className(op.api).name(`${op.operation} document ${v.pointer} (${v.rule})`).skipped();
        continue;
      }
      suite
        .testCase()
        .className(op.api)
        .name(`${op.operation} ${v.side} ${v.pointer} (${v.rule})`)
        .failure(`${v.pointer} ${v.rule}: ${v.message} (${v.count} call(s))`, v.rule)
        .stacktrace(v.calls.map((c) => `${c.time} ${c.method} ${c.path} (call ${c.id})`).join('\n'));
    }
  }
  writePrivateFile(file, builder.build());
}
