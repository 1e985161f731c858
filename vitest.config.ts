import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Under CI a JSON report is written too, so .ci/run can print its one-line summary.
    reporters: process.env['CI'] ? ['default', ['json', { outputFile: '.ci/results/vitest.json' }]] : ['default'],
  },
});
