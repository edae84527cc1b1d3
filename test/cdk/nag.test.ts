import { Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { TokenGateStack } from '#cdk/stack';
import { consoleSiteFixture, unbundledApp } from './template';

// cdk-nag 3 is a policy validation plugin, not an Aspect, and reports violations instead of annotations.
describe('the AWS Solutions checks (cdk-nag)', () => {
  // The deployment as `cdk synth` makes it: with the web console.
  const consoleDir = consoleSiteFixture();

  it('find nothing in the stack that is not fixed or acknowledged with a reason', () => {
    const app = unbundledApp();
    const stack = new TokenGateStack(app, 'Nagged', { consoleDir });
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
  });

  // A whole synthesis with every check: about 20 s on a two-core machine running the other tests too.
  it('let the app synthesize as `cdk synth` does, with the checks as a validation plugin', {
    timeout: 120_000,
  }, () => {
    const app = unbundledApp();
    new TokenGateStack(app, 'Nagged', { consoleDir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('do report a finding when there is one (so an empty report means something)', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Careless');
    new Table(stack, 'NoRecovery', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-DDB3');
  });
});
