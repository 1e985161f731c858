/** Diff reporters: a diff report as text lines, JUnit XML (one testcase per change) and JSON. Knows nothing of how it was computed. */
import junitModule, { type Builder } from 'junit-report-builder';
import type { DiffReport, UsedChange } from './diff-usage.js';
import { writePrivateFile } from '../journal/write-private-file.js';

const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

/** Fails the build: a breaking change a recorded call uses (any breaking change without recorded calls, or with strict). */
export function failsBuild(report: DiffReport, change: UsedChange, strict: boolean): boolean {
  if (!change.breaking) return false;
  return strict || report.recordedCalls === undefined || (change.usedBy ?? 0) > 0;
}

function usage(change: UsedChange): string {
  if (change.usedBy === undefined) return '';
  if (change.usedBy === 0) return ' · not used';
  const e = change.example!;
  return ` · used by ${change.usedBy} recorded call${change.usedBy === 1 ? '' : 's'}, e.g. ${e.method} ${e.path} at ${e.time} (call ${e.id}${e.code ? `, code ${e.code}` : ''})`;
}

const where = (c: UsedChange): string => c.operationId ?? (c.method ? `${c.method} ${c.path}` : `API ${c.api}`);

export function renderDiff(report: DiffReport, strict: boolean): string {
  const lines = [
    `${report.api}: ${report.changes.length} change${report.changes.length === 1 ? '' : 's'} from ${report.old} to ${report.new}${report.recordedCalls !== undefined ? `, narrowed to ${report.recordedCalls} recorded call${report.recordedCalls === 1 ? '' : 's'}` : ''}`,
  ];
  const sorted = [...report.changes].sort(
    (a, b) =>
      Number(failsBuild(report, b, strict)) - Number(failsBuild(report, a, strict)) ||
      Number(b.breaking) - Number(a.breaking),
  );
  for (const c of sorted) {
    lines.push(`  ${c.breaking ? 'BREAKING' : 'ok      '} ${where(c)}: ${c.message}${usage(c)}`);
    lines.push(`           old ${c.oldPointer ?? '-'}  new ${c.newPointer ?? '-'}`);
  }
  const failing = report.changes.filter((c) => failsBuild(report, c, strict)).length;
  lines.push(
    report.recordedCalls === undefined
      ? `${report.breaking} breaking change${report.breaking === 1 ? '' : 's'} (no recorded calls given: each may break the client)`
      : `${report.breaking} breaking change${report.breaking === 1 ? '' : 's'}, ${report.usedBreaking} used by recorded calls${strict ? ' (--strict: every breaking change fails)' : ''}`,
  );
  if (failing === 0) lines.push('no change breaks the client');
  return lines.join('\n');
}

/** One testcase per change; a failure for each change that fails the build. Written 0600 like every report. */
export function writeDiffJunit(reports: DiffReport[], file: string, strict: boolean): void {
  const builder = junit.newBuilder();
  for (const report of reports) {
    const suite = builder.testSuite().name(`contract-mock diff ${report.api} (${report.old} → ${report.new})`);
    for (const c of report.changes) {
      const tc = suite
        .testCase()
        .className(`${report.api}.${c.operationId ?? 'api'}`)
        .name(`${c.kind}: ${c.message}`);
      if (failsBuild(report, c, strict))
        tc.failure(`${c.message}${usage(c)}; old ${c.oldPointer ?? '-'}, new ${c.newPointer ?? '-'}`, c.kind);
    }
  }
  writePrivateFile(file, builder.build());
}

export function writeDiffJson(reports: DiffReport[], file: string): void {
  writePrivateFile(file, JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n');
}
