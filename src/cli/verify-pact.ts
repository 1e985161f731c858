/** `contract-mock verify --pact FILE`: replays pact files against a target after setting up their provider states; exit 1 on any failure. */
import { readFileSync } from 'node:fs';
import type { Pact } from '../verify/pact.js';
import { replayPact } from '../verify/pact-replay.js';
import type { CheckResult, VerificationReport } from '../verify/verify-target.js';
import { renderSummary, writeVerifyJson, writeVerifyJunit } from '../verify/reporters.js';
import { OutputMask } from '../journal/output-mask.js';
import { SecretMask } from '../journal/secret-mask.js';
import { httpUrl, inputFile, outputFile, reachable, secretOption, usageError } from './cli-checks.js';

export interface VerifyPactOptions {
  target: string;
  pact: string[];
  providerStates?: string;
  junit?: string;
  json?: string;
  timeout: string;
  keepSecrets?: boolean;
  adminToken?: string;
  adminTokenFile?: string;
}

function readPact(file: string): Pact {
  inputFile('verify', '--pact', file);
  let pact: Pact;
  try {
    pact = JSON.parse(readFileSync(file, 'utf8')) as Pact;
  } catch (e) {
    usageError('verify', `--pact ${file} is not JSON: ${(e as Error).message}`);
  }
  if (!pact || !Array.isArray(pact.interactions) || !pact.provider)
    usageError('verify', `--pact ${file} is not a Pact file (no provider or interactions)`);
  const http = pact.interactions.filter((i) => i.type === undefined || i.type === 'Synchronous/HTTP');
  if (http.some((i) => !i.request || !i.response))
    usageError('verify', `--pact ${file}: an interaction has no request or response`);
  return { ...pact, interactions: http };
}

export async function verifyPactCommand(options: VerifyPactOptions): Promise<void> {
  httpUrl('verify', '--target', options.target);
  const timeoutMs = Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    usageError('verify', `--timeout must be a whole number above 0, got ${options.timeout}`);
  const statesUrl = options.providerStates ?? `${options.target.replace(/\/$/, '')}/__mock/pact/states`;
  httpUrl('verify', '--provider-states', statesUrl);
  if (options.junit) outputFile('verify', '--junit', options.junit);
  if (options.json) outputFile('verify', '--json', options.json);
  const pacts = options.pact.map(readPact);
  const adminToken = secretOption('verify', {
    flag: '--admin-token',
    value: options.adminToken,
    env: 'CONTRACT_MOCK_ADMIN_TOKEN',
    fileFlag: '--admin-token-file',
    file: options.adminTokenFile,
  });
  await reachable('verify', '--target', options.target, timeoutMs);
  const started = Date.now();
  const session = `verify-pact-${started.toString(36)}`;
  console.log(
    `contract-mock verify: ${options.pact.length} pact file${options.pact.length === 1 ? '' : 's'} against ${options.target}, states through ${statesUrl}, session "${session}" (sent as X-Mock-Session)`,
  );
  const checks: CheckResult[] = [];
  for (const pact of pacts)
    checks.push(
      ...(await replayPact(options.target, pact, {
        statesUrl,
        session,
        timeoutMs,
        ...(adminToken ? { statesToken: adminToken } : {}),
      })),
    );
  const byApi: VerificationReport['summary']['byApi'] = {};
  for (const c of checks) {
    const s = (byApi[c.api] ??= { total: 0, failed: 0 });
    s.total++;
    if (!c.ok) s.failed++;
  }
  const failed = checks.filter((c) => !c.ok).length;
  const report: VerificationReport = {
    target: options.target,
    seed: 0,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    checks,
    summary: { total: checks.length, passed: checks.length - failed, failed, byApi },
  };
  // The target's answers may carry tokens it issued: masked by the journal's rule in the summary and the files, as verify does.
  let shown = report;
  if (options.keepSecrets)
    console.error(
      'contract-mock verify: warning: --keep-secrets: tokens are in clear in the summary and the files; do not upload them as CI artifacts',
    );
  else {
    const mask = new OutputMask(new SecretMask(), [adminToken]);
    for (const c of report.checks) mask.learn(c.response?.body);
    shown = mask.value(report);
  }
  console.log(renderSummary(shown));
  if (options.junit) writeVerifyJunit(shown, options.junit);
  if (options.json) writeVerifyJson(shown, options.json);
  process.exitCode = failed ? 1 : 0;
}
