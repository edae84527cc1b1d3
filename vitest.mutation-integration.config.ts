import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Unit test files before integration ones (vitest's own order puts the slowest first): Stryker stops
 * a mutant's run at its first failing test, so a mutant a unit test kills never waits for the database.
 */
class UnitTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isUnit = (file: TestSpecification) => file.project.name === 'unit';
    return [...sorted.filter(isUnit), ...sorted.filter((file) => !isUnit(file))];
  }
}

/** Each file starts as a new Lambda process would (see the file), as in `npm test`. */
const common = {
  setupFiles: ['test/support/lambda-process.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

/**
 * What the second mutation run (stryker.integration.config.mjs) runs against each mutant of code whose
 * behaviour lives in the database: its unit tests, and the integration tests that drive it on the real
 * DynamoDB Local and moto's Secrets Manager, started once per Stryker worker by the integration
 * project's global setup. Stryker runs only the tests that reach a mutant, so an integration file
 * here costs a mutant's run only where it covers the mutated code. Without the run-wide global setup
 * of `npm test` (log folder, token leak check), which a mutant run has no use for.
 */
export default defineConfig({
  test: {
    sequence: { sequencer: UnitTestsFirst },
    projects: [
      {
        test: {
          ...common,
          name: 'unit',
          include: ['test/unit/domain/list-cursor.test.ts'],
        },
      },
      {
        test: {
          ...common,
          name: 'integration',
          include: [
            'test/integration/audit-cursor.test.ts',
            'test/integration/token-service.test.ts',
            'test/integration/token-tree.test.ts',
            'test/integration/rotation.test.ts',
            'test/integration/bootstrap-race.test.ts',
            'test/integration/token-secret-rotation.test.ts',
          ],
          globalSetup: ['test/support/dynamo-setup.ts', 'test/support/moto-setup.ts'],
        },
      },
    ],
  },
});
