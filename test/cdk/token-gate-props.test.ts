// The knobs of TokenGate that platform teams set, each read on the template of a consumer's stack
// holding nothing but the construct.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { synthStack, unbundledApp } from './template';

/** A consumer's stack holding one TokenGate made with `props`. */
function gateStack(props: TokenGateProps = {}): { gate: TokenGate; stack: Stack; template: Template } {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens', props);
  return { gate, stack, template: Template.fromStack(stack) };
}

const PUSH_TO_CLOUDWATCH = Match.objectLike({
  ManagedPolicyArns: [
    {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ],
      ],
    },
  ],
});

describe('cloudWatchRole', () => {
  it("leaves the account's API Gateway logging role out of a consumer's stack by default, and keeps the access logs", () => {
    const { template } = gateStack();
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(template.findResources('AWS::IAM::Role', { Properties: PUSH_TO_CLOUDWATCH })).toEqual({});
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('makes the account and its role when set true, and the stage waits for them', () => {
    const { template } = gateStack({ cloudWatchRole: true });
    const [accountId] = Object.keys(template.findResources('AWS::ApiGateway::Account'));
    expect(accountId).toBeDefined();
    expect(
      Object.keys(template.findResources('AWS::IAM::Role', { Properties: PUSH_TO_CLOUDWATCH })),
    ).toHaveLength(1);
    template.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([accountId]) });
  });

  it("is set up by the repository's own deployment unless told otherwise", () => {
    synthStack().template.resourceCountIs('AWS::ApiGateway::Account', 1);
    synthStack({ tokenGate: { cloudWatchRole: false } }).template.resourceCountIs(
      'AWS::ApiGateway::Account',
      0,
    );
  });
});

describe('deletionProtection', () => {
  /** `DeletionProtectionEnabled` of each of the three tables. */
  const protection = (template: Template) =>
    Object.values(template.findResources('AWS::DynamoDB::Table')).map(
      (table) => (table.Properties as { DeletionProtectionEnabled?: boolean }).DeletionProtectionEnabled,
    );

  it('is on for the three tables while the removal policy keeps them (the default)', () => {
    expect(protection(gateStack().template)).toEqual([true, true, true]);
    expect(protection(gateStack({ removalPolicy: RemovalPolicy.RETAIN }).template)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('is off when the removal policy destroys them, so that deleting the stack works', () => {
    expect(protection(gateStack({ removalPolicy: RemovalPolicy.DESTROY }).template)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('follows the prop either way', () => {
    expect(protection(gateStack({ deletionProtection: false }).template)).toEqual([false, false, false]);
    const { template } = gateStack({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true });
    expect(protection(template)).toEqual([true, true, true]);
    // The removal policy still applies to the tables and the key secret.
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });
});
