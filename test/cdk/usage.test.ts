// Per-token usage in the template: the counters table, the management API's access log subscribed
// to the usage recorder, and a team's own API's access log subscribed with `recordUsageOf`.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { TokenGate } from '#cdk/token-gate';
import { USAGE_RECORDER } from '#spec/functions';
import { USAGE_TABLE } from '#spec/tables';
import {
  lambdaFunction,
  onlyResource,
  replicaOf,
  restApi,
  synthStack,
  table,
  unbundledApp,
} from './template';

const TOKEN_LINES_ONLY = '{ $.principal = "token:*" }';

describe('the usage table', () => {
  const { template } = synthStack();
  const [, usage] = table(template, USAGE_TABLE);

  it('is keyed by token id and UTC day, billed per request, with TTL and point-in-time recovery, no stream', () => {
    expect(usage.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'token_id', KeyType: 'HASH' },
        { AttributeName: 'date', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(replicaOf(usage).PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(usage.Properties.StreamSpecification).toBeUndefined();
    expect(usage.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });
});

describe.each([
  ['management', 'token management API'],
  ['example', 'example protected API'],
])('the %s API access log', (_name, description) => {
  const { template } = synthStack();
  const [recorderId] = lambdaFunction(template, USAGE_RECORDER.name);
  const [apiId] = restApi(template, description);
  const [, stage] = onlyResource(template, 'AWS::ApiGateway::Stage', {
    Properties: { RestApiId: { Ref: apiId } },
  });
  const setting = stage.Properties.AccessLogSetting as { DestinationArn: { 'Fn::GetAtt': [string, string] } };
  const logGroupId = setting.DestinationArn['Fn::GetAtt'][0];

  it('carries the caller (the authorizer’s principal, never a header) and the status on every line', () => {
    const format = JSON.parse((stage.Properties.AccessLogSetting as { Format: string }).Format);
    expect(format).toMatchObject({ principal: '$context.authorizer.principalId', status: '$context.status' });
    expect(JSON.stringify(format)).not.toMatch(/header/i);
  });

  it('is subscribed to the usage recorder, passing on only the lines of a token’s requests', () => {
    onlyResource(template, 'AWS::Logs::SubscriptionFilter', {
      Properties: {
        LogGroupName: { Ref: logGroupId },
        DestinationArn: { 'Fn::GetAtt': [recorderId, 'Arn'] },
        FilterPattern: TOKEN_LINES_ONLY,
      },
    });
    expect(Object.keys(template.findResources('AWS::Logs::SubscriptionFilter'))).toHaveLength(2);
  });

  it('lets CloudWatch Logs invoke the recorder for this log group alone', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [recorderId, 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
    });
  });
});

describe('recordUsageOf', () => {
  it('subscribes a team’s API access log in another stack, with the invoke permission in that stack', () => {
    const app = unbundledApp();
    const gate = new TokenGate(new Stack(app, 'Gate'), 'Tokens', { managementApi: false });
    const teamStack = new Stack(app, 'Team');
    const accessLogs = new LogGroup(teamStack, 'OrdersAccessLogs');
    gate.recordUsageOf(accessLogs);

    const team = Template.fromStack(teamStack);
    team.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('OrdersAccessLogs') },
      FilterPattern: TOKEN_LINES_ONLY,
    });
    team.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrdersAccessLogs'), 'Arn'] },
    });
    // No subscription without a management API, and the gate's stack depends on nothing of the team's.
    expect(
      Template.fromStack(gate.node.scope as Stack).findResources('AWS::Logs::SubscriptionFilter'),
    ).toEqual({});
    expect(
      app
        .synth()
        .getStackByName('Gate')
        .dependencies.map((dep) => dep.id),
    ).not.toContain('Team');
  });
});
