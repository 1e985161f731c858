/** `contract-mock verify`: provider verification of a real server against the contracts; exit 1 on any failure. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadContract } from '../contract/contract-cache.js';
import { DEFAULT_CREDENTIALS, secretCredentials, verifyTarget, type Credentials } from '../verify/verify-target.js';
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

export async function verifyCommand(options: VerifyCommandOptions): Promise<void> {
  httpUrl('verify', '--target', options.target);
  const contract = await loadContract(options.spec ?? []).catch((e: Error) => usageError('verify', e.message));
  const names = [...contract.apis.keys()];
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
  let fromFile: Partial<Credentials> = {};
  if (options.config) {
    inputFile('verify', '--config', options.config);
    try {
      const parsed = parseYaml(readFileSync(options.config, 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        usageError(
          'verify',
          `--config ${options.config} must be a YAML or JSON object with ${Object.keys(DEFAULT_CREDENTIALS).join(', ')}`,
        );
      fromFile = parsed as Partial<Credentials>;
    } catch (e) {
      usageError(
        'verify',
        `--config ${options.config} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`,
      );
    }
  }
  // Nothing listening: one line now, instead of one connection failure per check.
  await reachable('verify', '--target', options.target, Number(options.timeout));
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
  const credentials: Credentials = { ...DEFAULT_CREDENTIALS, ...fromFile, ...flags };
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
    onProgress: (done, total, label) => {
      const line = `[${done}/${total}] ${label}`;
      if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 100) - 1)}`);
      else if (done === total || done % 25 === 0) process.stderr.write(`${line}\n`);
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  // CI keeps the log and uploads the files: masked by the journal's rule, plus the secret and token given
  // and every token issued, unless --keep-secrets (the files are 0600 either way).
  let shown = report;
  if (options.keepSecrets) {
    const files = [options.json, options.junit].filter(Boolean).join(' and ');
    console.error(
      `contract-mock verify: warning: --keep-secrets: secrets and tokens are in clear in the summary${files ? ` and in ${files}` : ''}; do not upload them as CI artifacts`,
    );
  } else {
    const mask = new OutputMask(new SecretMask(undefined, contract.secretNames), secretCredentials(credentials));
    for (const c of report.checks) mask.learn(c.response?.body);
    shown = mask.value(report);
  }
  console.log(renderSummary(shown));
  if (options.junit) writeVerifyJunit(shown, options.junit);
  if (options.json) writeVerifyJson(shown, options.json);
  process.exitCode = report.summary.failed ? 1 : 0;
}
