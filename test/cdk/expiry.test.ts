import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { EXPIRY_WARNER } from '#spec/functions';
import { lambdaFunction, onlyResource, synthStack } from './template';

function environmentOf(template: ReturnType<typeof synthStack>['template']): Record<string, unknown> {
  const [, fn] = lambdaFunction(template, EXPIRY_WARNER.name);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('the expiry-warning scan', () => {
  const { template } = synthStack();
  const [functionId] = lambdaFunction(template, EXPIRY_WARNER.name);
  const [, schedule] = onlyResource(template, 'AWS::Scheduler::Schedule', {});

  it('runs daily, by EventBridge Scheduler, invoking the ExpiryWarner function', () => {
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [functionId, 'Arn'] } },
    });
  });

  it("gives the schedule a role of its own that may invoke the scan's function and nothing else", () => {
    const roleArn = (schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn;
    const roleId = roleArn['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(roleId),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } },
    ]);
  });

  it('warns 14 days ahead by default', () => {
    expect(environmentOf(template)).toMatchObject({ TOKENGATE_EXPIRY_WARNING_SECONDS: String(14 * 86_400) });
  });

  it('warns as far ahead as `expiryWarningWindow` says', () => {
    const custom = synthStack({ tokenGate: { expiryWarningWindow: Duration.days(30) } });
    expect(environmentOf(custom.template)).toMatchObject({
      TOKENGATE_EXPIRY_WARNING_SECONDS: String(30 * 86_400),
    });
  });

  it('refuses an empty window', () => {
    expect(() => synthStack({ tokenGate: { expiryWarningWindow: Duration.seconds(0) } })).toThrow(
      /expiryWarningWindow must be longer than 0/,
    );
  });
});
