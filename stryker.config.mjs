// @ts-check
// Mutation testing (`npm run mutation`), the first of its two runs: each mutant is a small change to
// the code (a dropped regex anchor, a flipped comparison); a test must fail for it. This run mutates
// the domain core (with the Secrets Manager rotation protocol and the token secret's rotator, tested
// over in-memory fakes of the vault and the token service), the authorizer's decision and the HTTP
// API's request parsing, whose behaviour unit tests pin: only unit tests run
// (vitest.mutation.config.ts), per test, two at a time. The second run
// (stryker.integration.config.mjs) mutates code whose behaviour lives in the database.
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
    'shared/domain/token-rotation.ts',
    'shared/domain/secrets-manager-rotation.ts',
    'shared/domain/token-secret-rotation.ts',
    'shared/spec/scopes.ts',
    'functions/authorizer/handler.ts',
    'shared/api/validation.ts',
    'shared/api/native-tokens.ts',
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
