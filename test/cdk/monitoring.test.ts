// A gate's alarms, dashboard and alarm actions, and its management API's access-log format, as the
// template of a consumer's stack holds them: found by tag and properties, checked literally.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { ALARM_TAG } from '#cdk/monitoring';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { AUDIT_CONSUMER, AUTHORIZER } from '#spec/functions';
import { lambdaFunction, onlyResource, unbundledApp } from './template';

type Resource = { Properties: Record<string, unknown> };

function consumerStack(props: TokenGateProps = {}, withTopic = false) {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const alarmTopic = withTopic ? new Topic(stack, 'Pager') : undefined;
  new TokenGate(stack, 'Tokens', { ...props, alarmTopic });
  return Template.fromStack(stack);
}

/** The alarm tagged `name`. */
function alarm(template: Template, name: string): Record<string, unknown> {
  const [, found] = onlyResource(template, 'AWS::CloudWatch::Alarm', {
    Properties: { Tags: Match.arrayWith([{ Key: ALARM_TAG, Value: name }]) },
  });
  return (found as Resource).Properties;
}

function tagsOf(template: Template): string[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .flatMap(
      (found) => ((found as Resource).Properties.Tags as { Key: string; Value: string }[] | undefined) ?? [],
    )
    .filter(({ Key }) => Key === ALARM_TAG)
    .map(({ Value }) => Value)
    .sort();
}

const SUM_5_MIN = { Statistic: 'Sum', Period: 300 };
const AT_LEAST = 'GreaterThanOrEqualToThreshold';
const GATE = { Name: 'Gate', Value: 'Consumer/Tokens' };

describe('the alarms of a gate, on by default', () => {
  const template = consumerStack();
  const [authorizerId] = lambdaFunction(template, AUTHORIZER.name);
  const [consumerId] = lambdaFunction(template, AUDIT_CONSUMER.name);

  it('are eight, each tagged with its name', () => {
    expect(tagsOf(template)).toEqual([
      'api-5xx',
      'audit-failure-queue',
      'audit-iterator-age',
      'authorizer-errors',
      'authorizer-latency',
      'authorizer-throttles',
      'dynamodb-throttles',
      'rotation-failures',
    ]);
  });

  it('fire on any authorizer error or throttle in 5 minutes', () => {
    for (const [name, metric] of [
      ['authorizer-errors', 'Errors'],
      ['authorizer-throttles', 'Throttles'],
    ]) {
      expect(alarm(template, name as string)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: authorizerId } }],
        ...SUM_5_MIN,
        Threshold: 1,
        ComparisonOperator: AT_LEAST,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('fire when the authorizer’s p99 duration is 1 s or more for 3 periods of 5 minutes', () => {
    expect(alarm(template, 'authorizer-latency')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: authorizerId } }],
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 1000,
      EvaluationPeriods: 3,
      ComparisonOperator: AT_LEAST,
    });
  });

  it('fire on any 5xx answer of the management API', () => {
    expect(alarm(template, 'api-5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'Consumer-Tokens' }],
      ...SUM_5_MIN,
      Threshold: 1,
    });
  });

  it('fire on any DynamoDB throttle, reads or writes, of the four tables', () => {
    const metrics = alarm(template, 'dynamodb-throttles').Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string } };
    }[];
    expect(metrics.find(({ Expression }) => Expression)?.Expression).toBe(
      'FILL(r0, 0) + FILL(w0, 0) + FILL(r1, 0) + FILL(w1, 0) + FILL(r2, 0) + FILL(w2, 0) + FILL(r3, 0) + FILL(w3, 0)',
    );
    expect(
      metrics.flatMap(({ MetricStat }) => (MetricStat ? [MetricStat.Metric.MetricName] : [])).sort(),
    ).toEqual([...Array(4).fill('ReadThrottleEvents'), ...Array(4).fill('WriteThrottleEvents')]);
  });

  it('fire when the audit consumer is 5 minutes behind the stream for 5 minutes', () => {
    expect(alarm(template, 'audit-iterator-age')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: consumerId } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 300_000,
      EvaluationPeriods: 5,
    });
  });

  it('reuse the audit failure queue’s alarm', () => {
    expect(alarm(template, 'audit-failure-queue')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it('fire on any failed rotation step, of the key secret or of a RotatedToken', () => {
    const metrics = alarm(template, 'rotation-failures').Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Stat: string };
    }[];
    expect(metrics.find(({ Expression }) => Expression)?.Expression).toBe('FILL(key, 0) + FILL(token, 0)');
    for (const rotation of ['key', 'token']) {
      expect(metrics.find(({ Id }) => Id === rotation)?.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'tokengate',
          MetricName: 'RotationFailed',
          Dimensions: [GATE, { Name: 'Rotation', Value: rotation }],
        },
        Stat: 'Sum',
      });
    }
  });

  it('have no action without a topic', () => {
    for (const found of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect((found as Resource).Properties.AlarmActions).toBeUndefined();
    }
  });
});

describe('the dashboard of a gate', () => {
  const template = consumerStack();
  const [, dashboard] = onlyResource(template, 'AWS::CloudWatch::Dashboard', {});
  // The body is JSON joined with references (function names, alarm ARNs): each written as "REF".
  const parts = (dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('')) as {
    widgets: { type: string; properties: { title?: string; alarms?: string[]; metrics?: unknown[][] } }[];
  };
  const widget = (title: string) =>
    body.widgets.find((found) => found.properties.title === title)?.properties;

  it('shows the state of every alarm first', () => {
    expect(body.widgets[0]).toMatchObject({ type: 'alarm', properties: { title: 'Alarms' } });
    expect(body.widgets[0]?.properties.alarms).toHaveLength(8);
  });

  it('graphs the authorizer’s decisions by reason, its p99 and its store latency', () => {
    expect(widget('Authorizer: allowed and denied by reason')?.metrics).toEqual([
      ['tokengate', 'Allowed', 'Gate', 'Consumer/Tokens', { stat: 'Sum' }],
      ...['malformed', 'unknown', 'revoked', 'expired', 'scope', 'crafted_path'].map((reason) => [
        'tokengate',
        'Denied',
        'Gate',
        'Consumer/Tokens',
        'Reason',
        reason,
        { label: `Denied: ${reason}`, stat: 'Sum' },
      ]),
    ]);
    expect(widget('Authorizer: p99 duration and store latency (ms)')?.metrics).toEqual([
      ['AWS/Lambda', 'Duration', 'FunctionName', 'REF', { label: 'Duration p99', stat: 'p99' }],
      ['tokengate', 'StoreLatency', 'Gate', 'Consumer/Tokens', { label: 'StoreLatency p99', stat: 'p99' }],
    ]);
  });

  it('graphs the API’s requests and its errors, every code found by a search', () => {
    expect(widget('Management API: requests and errors by code')?.metrics).toEqual([
      ['tokengate', 'Requests', 'Gate', 'Consumer/Tokens', { stat: 'Sum' }],
      [
        {
          label: 'Errors',
          expression: `SEARCH('{tokengate,Gate,Code} MetricName="Errors" Gate="Consumer/Tokens"', 'Sum', 300)`,
        },
      ],
    ]);
  });

  it('graphs the audit trail’s lag, iterator age, failures and queue, and the rotations', () => {
    expect(widget('Audit trail: lag (ms) and iterator age (ms)')?.metrics).toEqual([
      ['tokengate', 'AuditLag', 'Gate', 'Consumer/Tokens', { stat: 'Maximum' }],
      ['AWS/Lambda', 'IteratorAge', 'FunctionName', 'REF', { stat: 'Maximum' }],
    ]);
    expect(widget('Audit trail: failures and failure queue')?.metrics).toEqual([
      ['tokengate', 'AuditFailures', 'Gate', 'Consumer/Tokens', { stat: 'Sum' }],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'REF', { stat: 'Maximum' }],
    ]);
    expect(widget('Rotations: succeeded and failed steps')?.metrics).toEqual(
      ['RotationSucceeded', 'RotationFailed'].flatMap((name) =>
        ['key', 'token'].map((rotation) => [
          'tokengate',
          name,
          'Gate',
          'Consumer/Tokens',
          'Rotation',
          rotation,
          { stat: 'Sum' },
        ]),
      ),
    );
  });
});

describe('an alarm topic', () => {
  it('is notified by every alarm, on ALARM and OK', () => {
    const template = consumerStack({}, true);
    const [topicId] = onlyResource(template, 'AWS::SNS::Topic', {});
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(8);
    for (const found of alarms) {
      expect((found as Resource).Properties).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    }
  });

  it('with monitoring false is still notified by the audit failure queue’s alarm, the one alarm left', () => {
    const template = consumerStack({ monitoring: false }, true);
    const [topicId] = onlyResource(template, 'AWS::SNS::Topic', {});
    const [, only] = onlyResource(template, 'AWS::CloudWatch::Alarm', {});
    expect(only.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [{ Ref: topicId }],
    });
  });
});

describe('monitoring: false', () => {
  it('leaves out the alarms and the dashboard, but the audit failure queue’s alarm', () => {
    const template = consumerStack({ monitoring: false });
    expect(Object.keys(template.findResources('AWS::CloudWatch::Dashboard'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(1);
    expect(tagsOf(template)).toEqual([]);
  });

  it('without the management API the alarms are the same but the API’s 5xx', () => {
    const template = consumerStack({ managementApi: false });
    expect(tagsOf(template)).not.toContain('api-5xx');
    expect(tagsOf(template)).toHaveLength(7);
  });
});

describe('the management API’s access log', () => {
  it('carries the caller, the authorizer’s latency, status and error, and the integration latency, and no header', () => {
    const template = consumerStack();
    const [, stage] = onlyResource(template, 'AWS::ApiGateway::Stage', {});
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;
    expect(JSON.parse(format)).toEqual({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      path: '$context.path',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      principal: '$context.authorizer.principalId',
      authorizerLatency: '$context.authorizer.latency',
      authorizerStatus: '$context.authorizer.status',
      authorizerError: '$context.authorizer.error',
      errorType: '$context.error.responseType',
    });
    expect(format).not.toMatch(/header|authorization/i);
  });
});
