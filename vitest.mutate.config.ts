/**
 * The suite as Stryker runs it (npm run mutate): the tests stryker.config.mjs names for the module under
 * mutation (MUTATE_TESTS), never the browser tests or the Prism comparison, which start other programs and
 * exercise no path of the core modules the others miss. The fuzz test runs fewer cases.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: process.env['MUTATE_TESTS']?.split(',') ?? ['test/**/*.test.ts'],
    exclude: ['test/ui/**', 'test/contract/prism.test.ts', 'node_modules/**'],
    reporters: ['default'],
    env: { FUZZ_RUNS: '200' },
  },
});
