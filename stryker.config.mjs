// @ts-check
// Mutation testing of the domain core and the authorizer's decision (`npm run mutation`, issue 16):
// each mutant is a small change to the code (a dropped regex anchor, a flipped comparison); a test
// must fail for it. Only unit tests run (vitest.mutation.config.ts), per test, two at a time.
// Equivalent mutants (no behaviour differs) are disabled where they occur, each with its reason,
// in a `// Stryker disable next-line <mutator>: <reason>` comment.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'shared/domain/policy.ts',
    'shared/domain/token-format.ts',
    'shared/domain/expiry.ts',
    'shared/domain/token.ts',
    'shared/domain/keyring.ts',
    'shared/domain/remembered-callers.ts',
    'shared/domain/rotation.ts',
    'shared/spec/scopes.ts',
    'functions/authorizer/handler.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
