#!/usr/bin/env node
/**
 * npm run mutate [-- MODULE...]: one Stryker run per core module (all of them when none is named), one after
 * the other, then a table of mutation scores. Modules and their tests are listed in stryker.config.mjs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { MODULES } from '../stryker.config.mjs';

const names = process.argv.slice(2);
for (const n of names) {
  if (!MODULES[n]) {
    console.error(`mutate: unknown module "${n}"; modules: ${Object.keys(MODULES).join(', ')}`);
    process.exit(2);
  }
}
const run = names.length ? names : Object.keys(MODULES);
let failed = false;
for (const name of run) {
  console.log(`\n== mutate ${name}: ${MODULES[name].mutate.join(' ')}`);
  const r = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_MODULE: name },
  });
  if (r.status !== 0) failed = true;
}

/** Score as Stryker computes it: killed + timed out over all valid mutants (no coverage counts as survived). */
console.log('\nmodule      killed  survived  no-cov  timeout  score');
for (const name of run) {
  const file = `reports/mutation/${name}.json`;
  if (!existsSync(file)) {
    console.log(`${name.padEnd(11)} (no report)`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const count = { Killed: 0, Survived: 0, NoCoverage: 0, Timeout: 0 };
  for (const f of Object.values(report.files)) for (const m of f.mutants) if (m.status in count) count[m.status]++;
  const valid = count.Killed + count.Survived + count.NoCoverage + count.Timeout;
  const score = valid ? (100 * (count.Killed + count.Timeout)) / valid : 0;
  console.log(
    `${name.padEnd(11)} ${String(count.Killed).padStart(6)}  ${String(count.Survived).padStart(8)}  ${String(count.NoCoverage).padStart(6)}  ${String(count.Timeout).padStart(7)}  ${score.toFixed(1).padStart(5)}%`,
  );
}
process.exit(failed ? 1 : 0);
