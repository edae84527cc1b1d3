// @ts-check
// Mutation testing's second run (`npm run mutation` runs it after stryker.config.mjs's): code whose
// behaviour lives in the database, killed by its unit tests and by the integration tests that drive
// it on DynamoDB Local and moto's Secrets Manager (vitest.mutation-integration.config.ts), unit test
// files first. Each Stryker test runner process starts one DynamoDB Local and one moto server (the
// integration project's global setup, as in `npm test`) and keeps them for all its mutants; the tests
// make their own tables. Same options and threshold as the first run; its report goes to
// reports/mutation/integration/.
//
// To add a file:
//   1. its path in `mutate` below, and in `files` in tsconfig.mutation-integration.json (what the
//      TypeScript checker compiles for each mutant);
//   2. the tests that pin it in vitest.mutation-integration.config.ts: its unit tests in the unit
//      project, the integration tests that run it in the integration project. Only those that pin
//      its rules: code a file runs in a beforeAll (seeding tokens, say) is covered by no test, so
//      Stryker runs every listed file that imports it for each mutant there (a "static" mutant);
//   3. `npx stryker run stryker.integration.config.mjs --mutate <file>`, then a test for each survivor
//      (or, for a truly equivalent mutant, a `// Stryker disable next-line <mutator>: <reason>`).
// A test that fails without any mutant (a flaky one) fails the dry run, so the run stops at once.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: ['shared/domain/list-cursor.ts', 'shared/domain/token-service.ts'],
  vitest: { configFile: 'vitest.mutation-integration.config.ts' },
  tsconfigFile: 'tsconfig.mutation-integration.json',
  htmlReporter: { fileName: 'reports/mutation/integration/index.html' },
  jsonReporter: { fileName: 'reports/mutation/integration/mutation.json' },
};
