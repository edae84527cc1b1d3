import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Tees each worker's stdout, stderr and console into the run's logs, searched for tokens at the end.
    // lambda-process: each file starts as a new Lambda process would (see the file).
    setupFiles: ['test/support/log-capture.ts', 'test/support/lambda-process.ts'],
    testTimeout: 60_000, // CDK synthesis on a busy 2-core machine can take tens of seconds
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
