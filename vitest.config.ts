import { defineConfig } from 'vitest/config';

/**
 * The chaos run (bench/chaos/) takes minutes: its project exists only when asked for by name,
 * `npx vitest run --project chaos`, so that a run of every project (`npm test`) leaves it out.
 */
const chaosAsked = process.argv.some(
  (arg, i, args) => arg === '--project=chaos' || (arg === '--project' && args[i + 1] === 'chaos'),
);

/** What every project shares. */
const common = {
  // Tees each worker's stdout, stderr and console into the run's logs, searched for tokens at the end.
  // lambda-process: each file starts as a new Lambda process would (see the file).
  setupFiles: ['test/support/log-capture.ts', 'test/support/lambda-process.ts'],
  testTimeout: 60_000, // CDK synthesis on a busy 2-core machine can take tens of seconds
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Once per run, whichever projects run: the log folder and the token leak check.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Each project runs alone too: `npx vitest run --project unit`.
    projects: [
      { test: { ...common, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          ...common,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The real DynamoDB Local and moto's Secrets Manager, one each for the whole run; no other
          // project needs them.
          globalSetup: ['test/support/dynamo-setup.ts', 'test/support/moto-setup.ts'],
        },
      },
      { test: { ...common, name: 'cdk', include: ['test/cdk/**/*.test.ts'] } },
      // Separate processes (the local stack, the CLI), each with its own DynamoDB Local.
      {
        test: {
          ...common,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The web console, built once for the stacks the tests start (when web/ changed).
          globalSetup: ['test/support/console-setup.ts'],
        },
      },
      ...(chaosAsked
        ? [{ test: { ...common, name: 'chaos', include: ['test/chaos/**/*.test.ts'], testTimeout: 300_000 } }]
        : []),
    ],
    // `npm test` measures what runs in this process (e2e's child processes are not counted).
    coverage: {
      provider: 'v8',
      include: ['shared/**/*.ts', 'functions/**/*.ts', 'local/**/*.ts', 'cdk/**/*.ts', 'cli/**/*.ts'],
      reporter: ['text-summary'],
      thresholds: { lines: 85 },
    },
  },
});
