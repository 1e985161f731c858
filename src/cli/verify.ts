/** `contract-mock verify`: provider verification of a real server against the contracts; exit 1 on any failure. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { compileContract } from '../contract/compile-contract.js';
import { API_NAMES, loadSpecs } from '../contract/load-specs.js';
import type { ApiName } from '../contract/types.js';
import { DEFAULT_CREDENTIALS, verifyTarget, type Credentials } from '../verify/verify-target.js';
import { renderSummary, writeVerifyJson, writeVerifyJunit } from '../verify/reporters.js';

export interface VerifyCommandOptions {
  target: string;
  api: string[];
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
  const unknown = options.api.filter((a) => !(API_NAMES as readonly string[]).includes(a));
  if (unknown.length) {
    console.error(`contract-mock verify: unknown --api ${unknown.join(', ')}; use ${API_NAMES.join(', ')}`);
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
  const contract = compileContract(await loadSpecs());
  const seed = Number(options.seed);
  const tty = process.stderr.isTTY;
  const report = await verifyTarget(contract, {
    target: options.target,
    apis: options.api as ApiName[],
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
