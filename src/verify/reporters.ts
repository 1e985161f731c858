/** Verification reporters: a progress line, a summary table with each failure in detail, JUnit XML and JSON. */
import Table from 'cli-table3';
import junitModule, { type Builder } from 'junit-report-builder';
import type { CheckResult, VerificationReport } from './verify-target.js';
import { writePrivateFile } from '../journal/write-private-file.js';

const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

const clip = (text: string, n = 600): string =>
  text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text;

export function describeCheck(c: CheckResult): string {
  const lines = [`✗ ${c.api} ${c.operationId} — ${c.kind}: ${c.name}`];
  for (const f of c.failures) lines.push(`    ${f.pointer || '/'}  [${f.rule}]  ${f.message}`);
  lines.push(
    `    request:  ${c.request.method} ${c.request.url}${c.request.body ? `\n              ${clip(c.request.body, 300)}` : ''}`,
  );
  if (c.response)
    lines.push(
      `    response: HTTP ${c.response.status} ${c.response.contentType ?? ''}\n              ${clip(typeof c.response.body === 'string' ? c.response.body : JSON.stringify(c.response.body))}`,
    );
  return lines.join('\n');
}

export function renderSummary(report: VerificationReport): string {
  const table = new Table({ head: ['api', 'checks', 'passed', 'failed'], style: { head: [], border: [] } });
  for (const [api, s] of Object.entries(report.summary.byApi)) table.push([api, s.total, s.total - s.failed, s.failed]);
  table.push(['all', report.summary.total, report.summary.passed, report.summary.failed]);
  const failures = report.checks.filter((c) => !c.ok).map(describeCheck);
  const verdict = report.summary.failed
    ? `${report.summary.failed} of ${report.summary.total} checks failed against ${report.target}`
    : `all ${report.summary.total} checks passed against ${report.target}`;
  return [...failures, table.toString(), `${verdict} (seed ${report.seed}, ${report.durationMs} ms)`].join('\n');
}

/** One testcase per check, failing with each failure's pointer and rule; written 0600 (it may quote credentials). */
export function writeVerifyJunit(report: VerificationReport, file: string): void {
  const builder = junit.newBuilder();
  const suites = new Map<string, ReturnType<Builder['testSuite']>>();
  for (const c of report.checks) {
    let suite = suites.get(c.api);
    if (!suite)
      suites.set(c.api, (suite = builder.testSuite().name(`contract-mock verify ${c.api} (${report.target})`)));
    const tc = suite
      .testCase()
      .className(`${c.api}.${c.operationId}`)
      .name(`${c.kind}: ${c.name}`)
      .time(c.durationMs / 1000);
    if (!c.ok) {
      tc.failure(
        c.failures.map((f) => `${f.pointer || '/'} [${f.rule}] ${f.message}`).join('; '),
        c.failures[0]?.rule ?? 'failure',
      );
      tc.stacktrace(describeCheck(c));
    }
  }
  writePrivateFile(file, builder.build());
}

/** The report as JSON, written 0600 (it may quote credentials). */
export function writeVerifyJson(report: VerificationReport, file: string): void {
  writePrivateFile(file, JSON.stringify(report, null, 2) + '\n');
}
