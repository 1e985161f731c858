/** `contract-mock report`: reads a running mock's journal and reports contract violations; exit 1 if any, or if the journal lost some of the session's records. */
import { MockClient } from '../client/mock-client.js';
import { buildReport, renderTable, writeJunit, type ViolationReport } from '../journal/violation-report.js';
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
  /** Exit 1 on violations of side `document` too (a served document's example breaking its own schema). */
  failOnDocumentFaults?: boolean;
}

export async function reportCommand(options: ReportOptions): Promise<void> {
  httpUrl('report', '--url', options.url);
  if (options.junit) outputFile('report', '--junit', options.junit);
  if (options.json) outputFile('report', '--json', options.json);
  const adminToken = secretOption('report', {
    flag: '--admin-token',
    value: options.adminToken,
    env: 'CONTRACT_MOCK_ADMIN_TOKEN',
    fileFlag: '--admin-token-file',
    file: options.adminTokenFile,
  });
  const client = new MockClient(options.url, { session: options.session, adminToken });
  let report;
  try {
    // Asked before the journal: reading a session's journal opens that session on the mock.
    const seen = await sessionsSeen(options.url, adminToken);
    const { calls, lost } = await client.journal();
    if (
      seen &&
      options.session !== 'default' &&
      !seen.includes(options.session) &&
      calls.length === 0 &&
      lost === 0 &&
      !options.allowEmpty
    ) {
      // A session the mock never saw (nor evicted with calls still journaled): a misspelt --session is a mistake.
      // "default" always exists (calls without X-Mock-Session land there); an empty one is the warning below.
      const listed =
        seen.length > 10 ? `${seen.slice(0, 10).join(', ')} and ${seen.length - 10} more` : seen.join(', ');
      console.error(
        `contract-mock report: no such session "${options.session}" at ${options.url} (it has seen ${listed || 'none'}): check --session and that your client sends X-Mock-Session, or pass --allow-empty`,
      );
      process.exitCode = 2;
      return;
    }
    report = buildReport(options.session, calls, lost);
  } catch (e) {
    const cause = (e as Error).cause as NodeJS.ErrnoException | undefined;
    const why = cause
      ? `cannot reach the mock at ${options.url} (${cause.code ?? cause.message}): start it with contract-mock serve, or pass --url`
      : `cannot read the journal at ${options.url}: ${(e as Error).message}`;
    console.error(`contract-mock report: ${why}`);
    process.exitCode = 2;
    return;
  }
  const code = publishReport('report', [report], options, [adminToken]);
  if (code === 0 && report.calls === 0 && !options.allowEmpty) {
    // An empty session checks nothing: most often a misspelt --session, or a client that never reached the mock.
    console.error(
      `contract-mock report: warning: session "${options.session}" has no calls, so nothing was checked; check --session and that your client sends X-Mock-Session, or pass --allow-empty`,
    );
    process.exitCode = 1;
    return;
  }
  process.exitCode = code;
}

/** The sessions the mock holds besides "default" (GET /__mock/sessions, asked in no session of its own); undefined when it cannot say. */
async function sessionsSeen(url: string, adminToken: string | undefined): Promise<string[] | undefined> {
  const res = await fetch(`${url.replace(/\/+$/, '')}/__mock/sessions`, {
    headers: { accept: 'application/json', ...(adminToken && { authorization: `Bearer ${adminToken}` }) },
  });
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  const body = (await res.json().catch(() => undefined)) as { sessions?: unknown } | undefined;
  return Array.isArray(body?.sessions)
    ? body.sessions.filter((s): s is string => typeof s === 'string').filter((s) => s !== 'default')
    : undefined;
}

/**
 * Prints a table per session's report and writes one JUnit / JSON file over them all (masked unless keepSecrets);
 * answers the exit code: 1 when a report has violations or lost records, else 0. `report` and `run` share it.
 */
export function publishReport(
  command: string,
  reports: ViolationReport[],
  options: Pick<ReportOptions, 'junit' | 'json' | 'keepSecrets' | 'failOnDocumentFaults'>,
  secrets: Array<string | undefined>,
): 0 | 1 {
  // The mock masks what it journals; the table and the files (CI keeps and uploads them) are masked again with the
  // same rule, which also catches a secret in text the journal kept unmasked (a violation message), and the admin
  // token; the files are 0600 either way.
  if (options.keepSecrets) {
    const files = [options.json, options.junit].filter(Boolean).join(' and ');
    console.error(
      `contract-mock ${command}: warning: --keep-secrets: secrets are not masked in the table${files ? ` nor in ${files}` : ''}; do not upload them as CI artifacts`,
    );
  }
  const mask = new OutputMask(new SecretMask(), secrets);
  const shown = reports.map((r) => (options.keepSecrets ? r : mask.value(r)));
  for (const r of shown) console.log(renderTable(r));
  // One file over every session: a single report keeps its own session; several are merged under their names.
  const whole = shown.length === 1 ? shown[0]! : mergeReports(shown);
  if (options.junit) writeJunit(whole, options.junit);
  if (options.json) writePrivateFile(options.json, JSON.stringify(whole, null, 2) + '\n');
  let code: 0 | 1 = 0;
  for (const r of reports) {
    if (r.lost) {
      // Calls it no longer has may have broken the contract: a pass would be a guess.
      console.error(
        `contract-mock ${command}: exit 1: the journal lost ${r.lost} record(s) of session "${r.session}" (see above)`,
      );
      code = 1;
    }
    if (r.violations || (options.failOnDocumentFaults && r.documentFaults)) code = 1;
  }
  return code;
}

/** Several sessions' reports as one (for one JUnit or JSON file): operations listed per session, counts summed. */
function mergeReports(reports: ViolationReport[]): ViolationReport {
  const lost = reports.reduce((n, r) => n + (r.lost ?? 0), 0);
  return {
    session: reports.map((r) => r.session).join(', '),
    calls: reports.reduce((n, r) => n + r.calls, 0),
    ...(lost > 0 && { lost }),
    violations: reports.reduce((n, r) => n + r.violations, 0),
    ...(reports.some((r) => r.documentFaults) && {
      documentFaults: reports.reduce((n, r) => n + (r.documentFaults ?? 0), 0),
    }),
    operations: reports.flatMap((r) =>
      r.operations.map((o) => ({ ...o, operation: `${o.operation} (session ${r.session})` })),
    ),
  };
}
