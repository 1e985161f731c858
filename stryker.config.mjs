/**
 * Mutation testing (npm run mutate): Stryker breaks the core modules one small change at a time and checks that
 * some test fails. One run per module (MUTATE_MODULE, set by scripts/mutate.mjs), each over a representative
 * part of the module and with the tests that exercise it, so that a run fits on a small machine (the whole
 * pipeline under the whole suite takes hours); reports go to reports/mutation/<module>.{html,json}.
 * Not part of npm test.
 */
import { existsSync, readFileSync } from 'node:fs';

/**
 * Stryker `file:start-end` ranges covering the named top-level declarations (a function, class or const,
 * from its first line to the `}` that closes it at column 0), looked up in whichever of `files` holds them:
 * a module that mutates part of a file names what it means, so the range follows the code when lines move
 * or a function moves to another file (comparing a run at an older commit with one today). Throws when one
 * of the `units` (alternative names for the same logic) is found nowhere, rather than mutating nothing.
 */
export function declarations(files, units) {
  const at = (f) => new URL(f, import.meta.url);
  const texts = files.filter((f) => existsSync(at(f))).map((f) => [f, readFileSync(at(f), 'utf8').split('\n')]);
  const ranges = [];
  for (const [unit, names] of Object.entries(units)) {
    let found = false;
    for (const [file, lines] of texts) {
      for (const name of names) {
        const start = lines.findIndex((l) =>
          new RegExp(`^(export )?(async )?(function\\*? |class |const |let )${name}\\b`).test(l),
        );
        if (start < 0) continue;
        let end = start;
        if (!lines[start].trimEnd().endsWith(';')) while (end + 1 < lines.length && !/^[}\])]/.test(lines[++end]));
        ranges.push(`${file}:${start + 1}-${end + 1}`);
        found = true;
      }
    }
    if (!found)
      throw new Error(`stryker.config.mjs: ${unit} (${names.join(' or ')}) is in none of ${files.join(', ')}`);
  }
  return ranges;
}

export const MODULES = {
  contract: {
    mutate: ['src/contract/match-route.ts', 'src/contract/dialect.ts', 'src/contract/json-pointer.ts'],
    tests: [
      'test/contract/negative.test.ts',
      'test/contract/json-pointer.test.ts',
      'test/contract/examples.test.ts',
      'test/contract/parse-search.test.ts',
      'test/contract/cache.test.ts',
      'test/apis/**/*.test.ts',
      'test/mock/**/*.test.ts',
    ],
  },
  // The stages around the handler: record masking, Prefer examples, the per-session lock. By name, not by line:
  // at 0ece525 all three lived in pipeline.ts (maskHeaders, maskBody, sessionLocks); masking has since moved
  // into the journal (SecretMask), the lock into state/session-lock.ts, Prefer into answers/examples.ts (issue 26).
  pipeline: {
    mutate: declarations(['src/answers/examples.ts', 'src/journal/secret-mask.ts', 'src/state/session-lock.ts'], {
      'record masking': ['maskHeaders', 'SECRET_FIELD', 'maskBody', 'keyedHex', 'mayHoldSecret', 'SecretMask'],
      'Prefer examples': ['preferredAnswer'],
      'the per-session lock': ['sessionLocks', 'sessionLock'],
    }),
    // With the masking's and the lock's own tests; secrets, masking, mask-on-read and session-lock came after 0ece525.
    tests: [
      'test/mock/**/*.test.ts',
      'test/scenarios/faults.test.ts',
      'test/journal/admin-journal.test.ts',
      'test/journal/secrets.test.ts',
      'test/security/masking.test.ts',
      'test/journal/mask-on-read.test.ts',
      'test/state/session-lock.test.ts',
      'test/reliability/concurrency.test.ts',
      'test/scenarios/activation.test.ts',
    ],
  },
  journal: {
    // journal.ts was split (issue 26): its rules, its memory store and its file are mutated where they now live.
    mutate: [
      'src/journal/export-har.ts',
      'src/journal/verify-calls.ts',
      'src/journal/journal.ts',
      'src/journal/journal-rules.ts',
      'src/journal/memory-journal-store.ts',
      'src/journal/file-journal-store.ts',
    ],
    tests: ['test/journal/**/*.test.ts', 'test/cli/report.test.ts', 'test/verify/proxy.test.ts'],
  },
  scenarios: {
    mutate: ['src/scenarios/apply-scenarios.ts', 'src/scenarios/scenario-registry.ts', 'src/scenarios/scenario.ts'],
    tests: ['test/scenarios/**/*.test.ts', 'test/client/**/*.test.ts'],
  },
  state: {
    mutate: ['src/state/memory-store.ts', 'src/state/store.ts'],
    tests: ['test/state/**/*.test.ts', 'test/mock/sessions-admin.test.ts', 'test/reliability/limits.test.ts'],
  },
  apis: {
    mutate: ['src/apis/platform-sync/platform-sync.ts', 'src/apis/wx-push/wx-push.ts'],
    tests: ['test/apis/**/*.test.ts', 'test/scenarios/builtins.test.ts'],
  },
};

const name = process.env.MUTATE_MODULE ?? 'journal';
const module = MODULES[name];
if (!module) throw new Error(`MUTATE_MODULE=${name} is not one of ${Object.keys(MODULES).join(', ')}`);
// The vitest config Stryker runs reads the module's test list from here.
process.env.MUTATE_TESTS = module.tests.join(',');

export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts' },
  mutate: module.mutate,
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 30,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
