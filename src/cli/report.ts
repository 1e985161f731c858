/** `contract-mock report`: reads a running mock's journal and reports contract violations; exit 1 if any. */
import { writeFileSync } from 'node:fs';
import { MockClient } from '../client/mock-client.js';
import { buildReport, renderTable, writeJunit } from '../journal/violation-report.js';

export interface ReportOptions {
  url: string;
  session: string;
  junit?: string;
  json?: string;
  adminToken?: string;
}

export async function reportCommand(options: ReportOptions): Promise<void> {
  const client = new MockClient(options.url, { session: options.session, adminToken: options.adminToken });
  let report;
  try {
    report = buildReport(options.session, await client.calls());
  } catch (e) {
    console.error(`contract-mock report: cannot read the journal at ${options.url}: ${(e as Error).message}${(e as Error).cause ? ` (${((e as Error).cause as Error).message})` : ''}`);
    process.exitCode = 2;
    return;
  }
  console.log(renderTable(report));
  if (options.junit) writeJunit(report, options.junit);
  if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2) + '\n');
  process.exitCode = report.violations ? 1 : 0;
}
