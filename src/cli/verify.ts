/** `contract-mock verify`: provider verification of a real server against the contracts; exit 1 on any failure. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadContract } from '../contract/contract-cache.js';
import type { Contract } from '../contract/compile-contract.js';
import {
  DEFAULT_CREDENTIALS,
  derivedSecrets,
  secretCredentials,
  verifyTarget,
  type Credentials,
  type VerificationReport,
  type VerifyOptions,
} from '../verify/verify-target.js';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';
import { renderSummary, writeVerifyJson, writeVerifyJunit } from '../verify/reporters.js';
import { SecretMask } from '../journal/secret-mask.js';
import { OutputMask } from '../journal/output-mask.js';
import { httpUrl, inputFile, outputFile, reachable, secretOption, usageError } from './cli-checks.js';

export interface VerifyCommandOptions {
  target: string;
  api: string[];
  spec?: string[];
  junit?: string;
  json?: string;
  concurrency: string;
  seed: string;
  generated: string;
  config?: string;
  appid?: string;
  secret?: string;
  secretFile?: string;
  wuhanToken?: string;
  wuhanTokenFile?: string;
  keepSecrets?: boolean;
  orgId?: string;
  timeout: string;
}

/** Refuses, as a usage error, an unknown --api, a --concurrency or --timeout that is not a whole number above 0, or an unwritable report file. */
function checkVerifyOptions(options: VerifyCommandOptions, names: readonly string[]): void {
  const unknown = options.api.filter((a) => !names.includes(a));
  if (unknown.length) usageError('verify', `unknown --api ${unknown.join(', ')}; use ${names.join(', ')}`);
  for (const [flag, value] of [
    ['--concurrency', options.concurrency],
    ['--timeout', options.timeout],
  ] as const) {
    if (!Number.isInteger(Number(value)) || Number(value) <= 0)
      usageError('verify', `${flag} must be a whole number above 0, got ${value}`);
  }
  if (options.junit) outputFile('verify', '--junit', options.junit);
  if (options.json) outputFile('verify', '--json', options.json);
}

/** The credentials in the --config file (a YAML or JSON object), none without one; a usage error if it is not one. */
function readCredentialsFile(config: string | undefined): Partial<Credentials> {
  if (!config) return {};
  inputFile('verify', '--config', config);
  try {
    const parsed = parseYaml(readFileSync(config, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      usageError(
        'verify',
        `--config ${config} must be a YAML or JSON object with ${Object.keys(DEFAULT_CREDENTIALS).join(', ')}`,
      );
    return parsed as Partial<Credentials>;
  } catch (e) {
    return usageError('verify', `--config ${config} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The credentials sent: each from the command line, else the environment, else the file, else the demo default. */
function resolveCredentials(options: VerifyCommandOptions, fromFile: Partial<Credentials>): Credentials {
  // Command line, else environment, else file: a secret need not show in `ps`.
  const secret = secretOption('verify', {
    flag: '--secret',
    value: options.secret,
    env: 'CONTRACT_MOCK_SECRET',
    fileFlag: '--secret-file',
    file: options.secretFile,
  });
  const wuhanToken = secretOption('verify', {
    flag: '--wuhan-token',
    value: options.wuhanToken,
    env: 'CONTRACT_MOCK_WUHAN_TOKEN',
    fileFlag: '--wuhan-token-file',
    file: options.wuhanTokenFile,
  });
  const flags = Object.fromEntries(
    Object.entries({ appid: options.appid, secret, wuhanToken, orgId: options.orgId }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return { ...DEFAULT_CREDENTIALS, ...fromFile, ...flags };
}

/** Prints progress on stderr: one line rewritten in place on a terminal, else a line every 25 checks and at the end. */
function progressPrinter(tty: boolean): NonNullable<VerifyOptions['onProgress']> {
  return (done, total, label) => {
    const line = `[${done}/${total}] ${label}`;
    if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 100) - 1)}`);
    else if (done === total || done % 25 === 0) process.stderr.write(`${line}\n`);
  };
}

/** The report as shown and written: secrets masked, unless --keep-secrets (then a warning says where they are in clear). */
function reportToShow(
  report: VerificationReport,
  options: VerifyCommandOptions,
  contract: Contract,
  credentials: Credentials,
): VerificationReport {
  // CI keeps the log and uploads the files: masked by the journal's rule, plus the secret and token given
  // and every token issued, unless --keep-secrets (the files are 0600 either way).
  if (options.keepSecrets) {
    const files = [options.json, options.junit].filter(Boolean).join(' and ');
    console.error(
      `contract-mock verify: warning: --keep-secrets: secrets and tokens are in clear in the summary${files ? ` and in ${files}` : ''}; do not upload them as CI artifacts`,
    );
    return report;
  }
  const secrets = [...secretCredentials(credentials), ...derivedSecrets(contract, credentials, BUILTIN_APIS)];
  const mask = new OutputMask(new SecretMask(undefined, contract.secretNames), secrets);
  for (const c of report.checks) mask.learn(c.response?.body);
  return mask.value(report);
}

/** Checks the options, verifies the target, prints the summary, writes the reports; exit code 1 on any failure. */
export async function verifyCommand(options: VerifyCommandOptions): Promise<void> {
  httpUrl('verify', '--target', options.target);
  const contract = await loadContract(options.spec ?? []).catch((e: Error) => usageError('verify', e.message));
  checkVerifyOptions(options, [...contract.apis.keys()]);
  const fromFile = readCredentialsFile(options.config);
  // Nothing listening: one line now, instead of one connection failure per check.
  await reachable('verify', '--target', options.target, Number(options.timeout));
  const credentials = resolveCredentials(options, fromFile);
  const seed = Number(options.seed);
  const tty = process.stderr.isTTY;
  const session = `verify-${seed}-${Date.now().toString(36)}`;
  // A contract-mock target keeps these calls apart in this session: `contract-mock report --session` reads them back.
  console.log(`contract-mock verify: ${options.target}, session "${session}" (sent as X-Mock-Session)`);
  const report = await verifyTarget(contract, {
    target: options.target,
    apis: options.api,
    seed,
    concurrency: Number(options.concurrency),
    generated: Number(options.generated),
    credentials,
    session,
    timeoutMs: Number(options.timeout),
    onProgress: progressPrinter(tty),
  });
  if (tty) process.stderr.write('\r\x1b[K');
  const shown = reportToShow(report, options, contract, credentials);
  console.log(renderSummary(shown));
  if (options.junit) writeVerifyJunit(shown, options.junit);
  if (options.json) writeVerifyJson(shown, options.json);
  process.exitCode = report.summary.failed ? 1 : 0;
}
