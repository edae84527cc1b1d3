// The gate's metric*() methods, read back from the template of a consumer's stack that alarms on
// them: the namespace, names, dimensions, units and statistics the functions publish under, and the
// gate's own dimension value, which every function of the gate (a RotatedToken's too) is given.
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Alarm, type Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { FUNCTION_TAG } from '#cdk/function';
import { RotatedToken } from '#cdk/rotated-token';
import { TokenGate } from '#cdk/token-gate';
import { AUTHORIZER } from '#spec/functions';
import { lambdaFunction, onlyResource, unbundledApp } from './template';

/** A consumer's stack with one TokenGate and one alarm on each of `metrics(gate)`, by description. */
function alarmsOn(metrics: (gate: TokenGate) => Record<string, Metric>) {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens');
  for (const [name, metric] of Object.entries(metrics(gate))) {
    new Alarm(stack, name, { metric, threshold: 1, evaluationPeriods: 1, alarmDescription: name });
  }
  return { gate, stack, template: Template.fromStack(stack) };
}

/** What the alarm described as `name` watches. */
function watched(template: Template, name: string) {
  const [, alarm] = onlyResource(template, 'AWS::CloudWatch::Alarm', {
    Properties: { AlarmDescription: name },
  });
  const { Namespace, MetricName, Dimensions, Statistic, ExtendedStatistic, Unit, Period } =
    alarm.Properties as Record<string, unknown>;
  return { Namespace, MetricName, Dimensions, Statistic, ExtendedStatistic, Unit, Period };
}

const GATE = { Name: 'Gate', Value: 'Consumer/Tokens' };

describe('the metric methods of TokenGate', () => {
  const { template } = alarmsOn((gate) => ({
    allowed: gate.metricAllowed(),
    deniedExpired: gate.metricDenied({ reason: 'expired' }),
    deniedCraftedPath: gate.metricDenied({ reason: 'crafted_path', period: Duration.minutes(1) }),
    memoHits: gate.metricMemoHits(),
    storeLatency: gate.metricStoreLatency(),
    requests: gate.metricApiRequests(),
    notFound: gate.metricApiErrors({ code: 'not_found' }),
    auditLag: gate.metricAuditLag(),
    auditFailures: gate.metricAuditFailures({ statistic: 'Maximum' }),
    keyRotated: gate.metricRotationSucceeded({ rotation: 'key' }),
    tokenRotationFailed: gate.metricRotationFailed({ rotation: 'token' }),
  }));
  const counted = (MetricName: string, Dimensions: unknown[], Period = 300) => ({
    Namespace: 'tokengate',
    MetricName,
    Dimensions,
    Statistic: 'Sum',
    ExtendedStatistic: undefined,
    Unit: 'Count',
    Period,
  });

  it('count the authorizer’s decisions under the gate, refusals by reason', () => {
    expect(watched(template, 'allowed')).toEqual(counted('Allowed', [GATE]));
    expect(watched(template, 'deniedExpired')).toEqual(
      counted('Denied', [GATE, { Name: 'Reason', Value: 'expired' }]),
    );
    expect(watched(template, 'deniedCraftedPath')).toEqual(
      counted('Denied', [GATE, { Name: 'Reason', Value: 'crafted_path' }], 60),
    );
    expect(watched(template, 'memoHits')).toEqual(counted('MemoHits', [GATE]));
  });

  it('time the token reads at p99 and the audit lag at its maximum, in milliseconds', () => {
    expect(watched(template, 'storeLatency')).toEqual({
      Namespace: 'tokengate',
      MetricName: 'StoreLatency',
      Dimensions: [GATE],
      Statistic: undefined,
      ExtendedStatistic: 'p99',
      Unit: 'Milliseconds',
      Period: 300,
    });
    expect(watched(template, 'auditLag')).toEqual({
      Namespace: 'tokengate',
      MetricName: 'AuditLag',
      Dimensions: [GATE],
      Statistic: 'Maximum',
      ExtendedStatistic: undefined,
      Unit: 'Milliseconds',
      Period: 300,
    });
  });

  it('count API requests, errors by code, audit failures and rotations by kind', () => {
    expect(watched(template, 'requests')).toEqual(counted('Requests', [GATE]));
    // CloudWatch's dimensions in the CDK's order, by name.
    expect(watched(template, 'notFound')).toEqual(
      counted('Errors', [{ Name: 'Code', Value: 'not_found' }, GATE]),
    );
    expect(watched(template, 'auditFailures')).toEqual({
      ...counted('AuditFailures', [GATE]),
      Statistic: 'Maximum',
    });
    expect(watched(template, 'keyRotated')).toEqual(
      counted('RotationSucceeded', [GATE, { Name: 'Rotation', Value: 'key' }]),
    );
    expect(watched(template, 'tokenRotationFailed')).toEqual(
      counted('RotationFailed', [GATE, { Name: 'Rotation', Value: 'token' }]),
    );
  });

  it('read the authorizer’s latency from Lambda’s own Duration, at p99', () => {
    const { template } = alarmsOn((gate) => ({ latency: gate.metricAuthorizerLatency() }));
    const [authorizerId] = lambdaFunction(template, AUTHORIZER.name);
    expect(watched(template, 'latency')).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: authorizerId } }],
      Statistic: undefined,
      ExtendedStatistic: 'p99',
      Unit: undefined,
      Period: 300,
    });
  });
});

describe('the gate’s dimension', () => {
  it('is given to every function of the gate, a RotatedToken’s in another stack too', () => {
    const app = unbundledApp();
    const gateStack = new Stack(app, 'Gate');
    const gate = new TokenGate(gateStack, 'Tokens');
    const consumer = new Stack(app, 'Consumer');
    new RotatedToken(consumer, 'Sync', {
      tokenGate: gate,
      description: 'SCIM sync',
      scopes: [{ scope: 'identity:manage' }],
    });
    expect(gate.metricsGate).toBe('Gate/Tokens');
    const functions = [Template.fromStack(gateStack), Template.fromStack(consumer)].flatMap((template) =>
      Object.values(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Tags: Match.arrayWith([Match.objectLike({ Key: FUNCTION_TAG })]) },
        }),
      ),
    );
    expect(functions.length).toBeGreaterThan(20);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.TOKENGATE_METRICS_GATE).toBe('Gate/Tokens');
    }
  });
});
