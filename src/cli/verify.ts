/** `contract-mock verify`: provider verification of a real server against the contracts; exit 1 on any failure. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadContract } from '../contract/contract-cache.js';
import { DEFAULT_CREDENTIALS, verifyTarget, type Credentials } from '../verify/verify-target.js';
import { renderSummary, writeVerifyJson, writeVerifyJunit } from '../verify/reporters.js';
import { httpUrl, inputFile, outputFile, reachable, usageError } from './cli-checks.js';

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
  wuhanToken?: string;
  orgId?: string;
  timeout: string;
}

export async function verifyCommand(options: VerifyCommandOptions): Promise<void> {
  httpUrl('verify', '--target', options.target);
  const contract = await loadContract(options.spec ?? []).catch((e: Error) => usageError('verify', e.message));
  const names = [...contract.apis.keys()];
  const unknown = options.api.filter((a) => !names.includes(a));
  if (unknown.length) usageError('verify', `unknown --api ${unknown.join(', ')}; use ${names.join(', ')}`);
  for (const [flag, value] of [['--concurrency', options.concurrency], ['--timeout', options.timeout]] as const) {
    if (!Number.isInteger(Number(value)) || Number(value) <= 0) usageError('verify', `${flag} must be a whole number above 0, got ${value}`);
  }
  if (options.junit) outputFile('verify', '--junit', options.junit);
  if (options.json) outputFile('verify', '--json', options.json);
  let fromFile: Partial<Credentials> = {};
  if (options.config) {
    inputFile('verify', '--config', options.config);
    try {
      const parsed = parseYaml(readFileSync(options.config, 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) usageError('verify', `--config ${options.config} must be a YAML or JSON object with appid, secret, wuhanToken, orgId`);
      fromFile = parsed as Partial<Credentials>;
    } catch (e) {
      usageError('verify', `--config ${options.config} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  // Nothing listening: one line now, instead of one connection failure per check.
  await reachable('verify', '--target', options.target, Number(options.timeout));
  const flags = Object.fromEntries(Object.entries({ appid: options.appid, secret: options.secret, wuhanToken: options.wuhanToken, orgId: options.orgId }).filter(([, v]) => v !== undefined));
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
  console.log(renderSummary(report));
  if (options.junit) writeVerifyJunit(report, options.junit);
  if (options.json) writeVerifyJson(report, options.json);
  process.exitCode = report.summary.failed ? 1 : 0;
}
