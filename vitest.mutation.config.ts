import { defineConfig } from 'vitest/config';

/**
 * What `npm run mutation` (Stryker, stryker.config.mjs) runs against each mutant: the unit tests of
 * the mutated code only, without the run-wide global setup (log folder, token leak check), which a
 * mutant run has no use for.
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/domain/policy.test.ts',
      'test/unit/domain/scopes.test.ts',
      'test/unit/domain/token-format.test.ts',
      'test/unit/domain/token-parsing.property.test.ts',
      'test/unit/domain/expiry.test.ts',
      'test/unit/domain/keyring.test.ts',
      'test/unit/domain/remembered-callers.test.ts',
      'test/unit/authorizer/authorizer-decision.test.ts',
      'test/unit/domain/token-shape.test.ts',
      'test/unit/domain/policy-edges.test.ts',
      'test/unit/domain/edges.test.ts',
      'test/unit/domain/token-status.test.ts',
      'test/unit/domain/rotation.test.ts',
      'test/unit/domain/secret-rotation.test.ts',
      'test/unit/domain/token-secret-rotator.test.ts',
      'test/unit/api/validation.test.ts',
      'test/unit/api/native-tokens.test.ts',
      'test/unit/domain/token-tree.test.ts',
      'test/unit/domain/catalogue.test.ts',
    ],
    setupFiles: ['test/support/lambda-process.ts'],
  },
});
