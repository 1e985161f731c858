/** `contract-mock report`: reads a running mock's journal and reports contract violations; exit 1 if any, or if the journal lost some of the session's records. */
import { MockClient } from '../client/mock-client.js';
import { buildReport, renderTable, writeJunit } from '../journal/violation-report.js';
import { OutputMask } from '../journal/output-mask.js';
import { SecretMask } from '../journal/secret-mask.js';
import { writePrivateFile } from '../journal/write-private-file.js';
import { httpUrl, outputFile, secretOption } from './cli-checks.js';

export interface ReportOptions {
  url: string;
  session: string;
  junit?: string;
  json?: string;
  adminToken?: string;
  adminTokenFile?: string;
  keepSecrets?: boolean;
  allowEmpty?: boolean;
}

export async function reportCommand(options: ReportOptions): Promise<void> {
  httpUrl('report', '--url', options.url);
  if (options.junit) outputFile('report', '--junit', options.junit);
  if (options.json) outputFile('report', '--json', options.json);
  const adminToken = secretOption('report', { flag: '--admin-token', value: options.adminToken, env: 'CONTRACT_MOCK_ADMIN_TOKEN', fileFlag: '--admin-token-file', file: options.adminTokenFile });
  const client = new MockClient(options.url, { session: options.session, adminToken });
  let report;
  try {
    const { calls, lost } = await client.journal();
    report = buildReport(options.session, calls, lost);
  } catch (e) {
    const cause = (e as Error).cause as NodeJS.ErrnoException | undefined;
    const why = cause ? `cannot reach the mock at ${options.url} (${cause.code ?? cause.message}): start it with contract-mock serve, or pass --url` : `cannot read the journal at ${options.url}: ${(e as Error).message}`;
    console.error(`contract-mock report: ${why}`);
    process.exitCode = 2;
    return;
  }
  // The mock masks what it journals; the table and the files (CI keeps and uploads them) are masked again with the
  // same rule, which also catches a secret in text the journal kept unmasked (a violation message), and the admin
  // token; the files are 0600 either way.
  if (options.keepSecrets) {
    const files = [options.json, options.junit].filter(Boolean).join(' and ');
    console.error(`contract-mock report: warning: --keep-secrets: secrets are not masked in the table${files ? ` nor in ${files}` : ''}; do not upload them as CI artifacts`);
  }
  const shown = options.keepSecrets ? report : new OutputMask(new SecretMask(), [adminToken]).value(report);
  console.log(renderTable(shown));
  if (options.junit) writeJunit(shown, options.junit);
  if (options.json) writePrivateFile(options.json, JSON.stringify(shown, null, 2) + '\n');
  if (report.lost) {
    // Calls it no longer has may have broken the contract: a pass would be a guess.
    console.error(`contract-mock report: exit 1: the journal lost ${report.lost} record(s) of session "${report.session}" (see above)`);
    process.exitCode = 1;
    return;
  }
  if (report.calls === 0 && !options.allowEmpty) {
    // An empty session checks nothing: most often a misspelt --session, or a client that never reached the mock.
    console.error(`contract-mock report: warning: session "${options.session}" has no calls, so nothing was checked; check --session and that your client sends X-Mock-Session, or pass --allow-empty`);
    process.exitCode = 1;
    return;
  }
  process.exitCode = report.violations ? 1 : 0;
}
