/**
 * Mutation testing (npm run mutate): Stryker breaks the core modules one small change at a time and checks that
 * some test fails. One run per module (MUTATE_MODULE, set by scripts/mutate.mjs), each with the tests that
 * exercise it, so a module's run fits on a small machine; reports go to reports/mutation/<module>.{html,json}.
 * Not part of npm test: a full run takes far longer than the suite.
 */
export const MODULES = {
  contract: {
    mutate: ['src/contract/match-route.ts', 'src/contract/validate-request.ts', 'src/contract/dialect.ts', 'src/contract/compile-contract.ts', 'src/contract/json-pointer.ts'],
    tests: ['test/contract/**/*.test.ts', 'test/apis/**/*.test.ts', 'test/mock/bad-input.test.ts'],
  },
  pipeline: {
    mutate: ['src/mock/pipeline.ts'],
    tests: ['test/mock/**/*.test.ts', 'test/reliability/**/*.test.ts', 'test/scenarios/faults.test.ts', 'test/journal/admin-journal.test.ts', 'test/apis/**/*.test.ts'],
  },
  journal: {
    mutate: ['src/journal/**/*.ts'],
    tests: ['test/journal/**/*.test.ts', 'test/cli/report.test.ts', 'test/verify/proxy.test.ts'],
  },
  scenarios: {
    mutate: ['src/scenarios/**/*.ts'],
    tests: ['test/scenarios/**/*.test.ts', 'test/client/**/*.test.ts'],
  },
  state: {
    mutate: ['src/state/**/*.ts'],
    tests: ['test/state/**/*.test.ts', 'test/reliability/durable.test.ts', 'test/reliability/limits.test.ts', 'test/mock/sessions-admin.test.ts'],
  },
  apis: {
    mutate: ['src/apis/**/*.ts'],
    tests: ['test/apis/**/*.test.ts', 'test/scenarios/builtins.test.ts', 'test/scenarios/activation.test.ts'],
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
