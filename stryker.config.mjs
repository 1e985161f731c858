/**
 * Mutation testing (npm run mutate): Stryker breaks the core modules one small change at a time and checks that
 * some test fails. One run per module (MUTATE_MODULE, set by scripts/mutate.mjs), each over a representative
 * part of the module and with the tests that exercise it, so that a run fits on a small machine (the whole
 * pipeline under the whole suite takes hours); reports go to reports/mutation/<module>.{html,json}.
 * Not part of npm test.
 */
export const MODULES = {
  contract: {
    mutate: ['src/contract/match-route.ts', 'src/contract/dialect.ts', 'src/contract/json-pointer.ts'],
    tests: ['test/contract/negative.test.ts', 'test/contract/examples.test.ts', 'test/contract/parse-search.test.ts', 'test/contract/cache.test.ts', 'test/apis/**/*.test.ts', 'test/mock/**/*.test.ts'],
  },
  // The stages around the handler: record masking, Prefer examples, the per-session lock.
  pipeline: {
    mutate: ['src/mock/pipeline.ts:148-258'],
    tests: ['test/mock/**/*.test.ts', 'test/scenarios/faults.test.ts', 'test/journal/admin-journal.test.ts', 'test/journal/secrets.test.ts', 'test/reliability/concurrency.test.ts', 'test/scenarios/activation.test.ts'],
  },
  journal: {
    mutate: ['src/journal/export-har.ts', 'src/journal/verify-calls.ts', 'src/journal/journal.ts'],
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
