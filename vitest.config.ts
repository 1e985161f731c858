import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two files at a time even on a 2-core machine (vitest's default there is one): most of a file's time is
    // spent waiting on the processes it starts (the CLI, redis-server, Prism, chromium, npm), not on the CPU.
    maxWorkers: 2,
    // Files share a worker's module cache instead of re-importing src/ in a fresh process each (that import was
    // a fifth of the suite's time). Safe because src/ keeps no module-level state: every mock, store and journal
    // is made by the test that uses it; the shuffled CI run (.ci/run) keeps this honest.
    isolate: false,
    // Under CI a JSON report is written too, so .ci/run can print its one-line summary.
    reporters: process.env['CI'] ? ['default', ['json', { outputFile: '.ci/results/vitest.json' }]] : ['default'],
  },
});
