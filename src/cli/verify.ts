/** `contract-mock verify`: provider verification of a real server against the contracts; exit 1 on any failure. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadContract } from '../contract/contract-cache.js';
import { DEFAULT_CREDENTIALS, verifyTarget, type Credentials } from '../verify/verify-target.js';
import { renderSummary, writeVerifyJson, writeVerifyJunit } from '../verify/reporters.js';

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
  const contract = await loadContract(options.spec ?? []).catch((e: Error) => {
    console.error(`contract-mock verify: ${e.message}`);
    process.exit(2);
  });
  const names = [...contract.apis.keys()];
  const unknown = options.api.filter((a) => !names.includes(a));
  if (unknown.length) {
    console.error(`contract-mock verify: unknown --api ${unknown.join(', ')}; use ${names.join(', ')}`);
    process.exit(2);
  }
  let fromFile: Partial<Credentials> = {};
  if (options.config) {
    try {
      fromFile = parseYaml(readFileSync(options.config, 'utf8')) as Partial<Credentials>;
    } catch (e) {
      console.error(`contract-mock verify: cannot read --config ${options.config}: ${(e as Error).message}`);
      process.exit(2);
    }
  }
  const flags = Object.fromEntries(Object.entries({ appid: options.appid, secret: options.secret, wuhanToken: options.wuhanToken, orgId: options.orgId }).filter(([, v]) => v !== undefined));
  const credentials: Credentials = { ...DEFAULT_CREDENTIALS, ...fromFile, ...flags };
  const seed = Number(options.seed);
  const tty = process.stderr.isTTY;
  const report = await verifyTarget(contract, {
    target: options.target,
    apis: options.api,
    seed,
    concurrency: Number(options.concurrency),
    generated: Number(options.generated),
    credentials,
    session: `verify-${seed}-${Date.now().toString(36)}`,
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
