/** `contract-mock diff OLD NEW`: the changes between two versions of a document, narrowed to recorded calls; exit 1 on a used breaking change. */
import { readFileSync } from 'node:fs';
import { MockClient } from '../client/mock-client.js';
import { exactJson } from '../contract/exact-json.js';
import type { CallRecord } from '../journal/call-record.js';
import { apiOf, diffSpecFiles, readDocument, type SpecDiff } from '../verify/spec-diff.js';
import { narrowToCalls } from '../verify/diff-usage.js';
import { failsBuild, renderDiff, writeDiffJson, writeDiffJunit } from '../verify/diff-report.js';
import { httpUrl, inputFile, outputFile, secretOption, usageError } from './cli-checks.js';

export interface DiffOptions {
  url?: string;
  session?: string;
  journal?: string;
  json?: string;
  junit?: string;
  strict?: boolean;
  adminToken?: string;
  adminTokenFile?: string;
}

/** The CallRecords of an NDJSON journal (serve --journal, GET /__mock/calls.ndjson); a line that is no record is skipped. */
export function readJournalFile(file: string): CallRecord[] {
  const calls: CallRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = exactJson.parse(line) as CallRecord;
      if (record && typeof record === 'object' && typeof record.method === 'string' && record.response)
        calls.push(record);
    } catch {
      // a torn last line (the mock was killed mid-write) is not a call
    }
  }
  return calls;
}

/** Recorded calls from --journal FILE (one --session of it, or all) or --url/--session; undefined when neither is given. */
export async function recordedCalls(command: string, options: DiffOptions): Promise<CallRecord[] | undefined> {
  if (options.journal && options.url) usageError(command, 'give --journal FILE or --url URL --session S, not both');
  if (options.journal) {
    // A journal file holds every session's calls: --session picks one.
    const calls = readJournalFile(inputFile(command, '--journal', options.journal));
    return options.session === undefined ? calls : calls.filter((c) => c.session === options.session);
  }
  if (!options.url) {
    if (options.session)
      usageError(command, '--session needs --url (the mock whose journal to read) or --journal FILE');
    return undefined;
  }
  httpUrl(command, '--url', options.url);
  const adminToken = secretOption(command, {
    flag: '--admin-token',
    value: options.adminToken,
    env: 'CONTRACT_MOCK_ADMIN_TOKEN',
    fileFlag: '--admin-token-file',
    file: options.adminTokenFile,
  });
  try {
    return await new MockClient(options.url, { session: options.session ?? 'default', adminToken }).calls();
  } catch (e) {
    const cause = (e as Error).cause as NodeJS.ErrnoException | undefined;
    console.error(
      `contract-mock ${command}: ${cause ? `cannot reach the mock at ${options.url} (${cause.code ?? cause.message}); start it, or pass --journal FILE` : `cannot read the journal at ${options.url}: ${(e as Error).message}`}`,
    );
    process.exit(2);
  }
}

export async function diffCommand(oldFile: string, newFile: string, options: DiffOptions): Promise<void> {
  inputFile('diff', 'OLD', oldFile);
  inputFile('diff', 'NEW', newFile);
  if (options.json) outputFile('diff', '--json', options.json);
  if (options.junit) outputFile('diff', '--junit', options.junit);
  let diff: SpecDiff;
  try {
    diff = diffSpecFiles(oldFile, newFile);
  } catch (e) {
    usageError('diff', (e as Error).message);
  }
  const newApi = apiOf(readDocument(newFile), newFile);
  if (newApi !== diff.api)
    console.error(
      `contract-mock diff: warning: OLD describes ${diff.api} and NEW ${newApi}; recorded calls are matched to ${diff.api}`,
    );
  const report = narrowToCalls(diff, await recordedCalls('diff', options));
  const strict = options.strict === true;
  console.log(renderDiff(report, strict));
  if (options.json) writeDiffJson([report], options.json);
  if (options.junit) writeDiffJunit([report], options.junit, strict);
  process.exitCode = report.changes.some((c) => failsBuild(report, c, strict)) ? 1 : 0;
}
