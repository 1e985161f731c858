/** `contract-mock pact`: writes Pact v4 contracts (one per API) from a session's journal or a journal file. */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadContract } from '../contract/contract-cache.js';
import { API_NAMES } from '../contract/load-specs.js';
import type { JsonObject } from '../contract/types.js';
import { writePrivateFile } from '../journal/write-private-file.js';
import { packageVersion } from '../server/package-version.js';
import { buildPacts } from '../verify/pact.js';
import { recordedCalls } from './diff.js';
import { usageError } from './cli-checks.js';

export interface PactOptions {
  url?: string;
  session?: string;
  journal?: string;
  consumer: string;
  provider?: string;
  out?: string;
  adminToken?: string;
  adminTokenFile?: string;
}

const NAME = /^[\w.@ -]{1,100}$/;

export async function pactCommand(options: PactOptions): Promise<void> {
  if (!NAME.test(options.consumer))
    usageError('pact', `--consumer "${options.consumer}": use letters, digits, spaces, . _ - @ (at most 100)`);
  if (options.provider !== undefined && !NAME.test(options.provider))
    usageError('pact', `--provider "${options.provider}": use letters, digits, spaces, . _ - @ (at most 100)`);
  if (!options.url && !options.journal)
    usageError('pact', 'give --url URL --session S (a running mock) or --journal FILE (an NDJSON journal)');
  const calls = (await recordedCalls('pact', options))!;
  const apis = [...new Set(calls.map((c) => c.api).filter((a): a is string => !!a))];
  // --provider names the provider; it picks the API when it is an API's name, else names the session's one API.
  let only: string | undefined;
  if (options.provider !== undefined) {
    if (apis.includes(options.provider) || (API_NAMES as readonly string[]).includes(options.provider))
      only = options.provider;
    else if (apis.length === 1) only = apis[0];
    else
      usageError(
        'pact',
        `--provider ${options.provider}: the session called ${apis.length ? apis.join(', ') : 'no API'}; name one of them (--provider API), or leave --provider out for one pact per API`,
      );
  }
  const contract = await loadContract();
  const codePointers = (api: string): string[] => {
    const dialect = (contract.apis.get(api)?.spec.raw['x-dialect'] ?? {}) as JsonObject;
    return Array.isArray(dialect['codePointers']) ? (dialect['codePointers'] as string[]) : [];
  };
  const { pacts, skipped } = buildPacts(
    calls,
    options.consumer,
    (api) => options.provider ?? api,
    { codePointers, version: packageVersion() },
    only,
  );
  for (const s of skipped) console.error(`contract-mock pact: left out call ${s.id}: ${s.why}`);
  if (!pacts.length) {
    console.error(
      `contract-mock pact: no interactions to write: session "${options.session ?? 'default'}" has ${calls.length} call${calls.length === 1 ? '' : 's'}${only ? ` to ${only}` : ''} that honoured the contract; check --session`,
    );
    process.exitCode = 1;
    return;
  }
  const out = options.out ?? 'pacts';
  const toFile = out.endsWith('.json');
  if (toFile && pacts.length > 1)
    usageError(
      'pact',
      `--out ${out} is one file, but the session called ${pacts.length} APIs (${pacts.map((p) => p.api).join(', ')}); give a folder, or --provider to pick one`,
    );
  for (const { pact } of pacts) {
    const file = toFile ? out : join(out, `${pact.consumer.name}-${pact.provider.name}.json`.replace(/[ /\\]/g, '_'));
    mkdirSync(dirname(file), { recursive: true });
    writePrivateFile(file, JSON.stringify(pact, null, 2) + '\n');
    console.log(
      `${file}: ${pact.interactions.length} interaction${pact.interactions.length === 1 ? '' : 's'} between ${pact.consumer.name} and ${pact.provider.name} (Pact v4)`,
    );
  }
}
