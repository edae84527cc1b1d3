import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AuditStream } from '#cdk/audit';
import { TokenGate } from '#cdk/token-gate';
import { AUDIT_CONSUMER, FUNCTIONS } from '#spec/functions';
import { AUDIT_TABLE, SEARCH_TABLE, TOKENS_TABLE } from '#spec/tables';
import {
  actionsOf,
  lambdaFunction,
  onlyResource,
  refTo,
  replicaOf,
  roleStatements,
  synthStack,
  table,
  unbundledApp,
} from './template';

const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

describe('the audit table', () => {
  const { template } = synthStack();
  const [, audit] = table(template, AUDIT_TABLE);

  it('is keyed by event id, billed per request, with TTL and point-in-time recovery', () => {
    expect(audit.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(replicaOf(audit).PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(audit.Properties.StreamSpecification).toBeUndefined();
  });

  it('has an index per query (token, actor, type, all), each sorted by time then id', () => {
    const indexes = audit.Properties.GlobalSecondaryIndexes as unknown[];
    expect(indexes).toHaveLength(4);
    for (const [name, partitionKey] of [
      ['by_token', 'token_id'],
      ['by_actor', 'actor_key'],
      ['by_type', 'type'],
      ['by_time', 'all_pk'],
    ]) {
      expect(indexes).toContainEqual({
        IndexName: name,
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: 'time_sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
    }
  });

  it('is kept when the stack lets go of it, like the tokens table, unless configured', () => {
    const [, retained] = table(template, AUDIT_TABLE);
    expect(retained).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const { template: disposable } = synthStack({ tokenGate: { removalPolicy: RemovalPolicy.DESTROY } });
    expect(table(disposable, AUDIT_TABLE)[1]).toMatchObject({ DeletionPolicy: 'Delete' });
  });
});

describe('the audit consumer', () => {
  const { template } = synthStack();
  const [consumerId, consumer] = lambdaFunction(template, AUDIT_CONSUMER.name);
  const [tokensId] = table(template, TOKENS_TABLE);
  const [auditId] = table(template, AUDIT_TABLE);
  const [queueId, queue] = onlyResource(template, 'AWS::SQS::Queue', {});
  const [, mapping] = onlyResource(template, 'AWS::Lambda::EventSourceMapping', {
    Properties: { FunctionName: refTo(consumerId) },
  });

  it('reads the tokens table stream from its oldest record, in batches, one batch per shard at a time', () => {
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: getAtt(tokensId, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      ParallelizationFactor: 1,
    });
  });

  it('reports failed records one by one, and bisects a batch that fails as a whole', () => {
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
    });
  });

  it('retries a failing record a bounded number of times, for a bounded time well within the stream retention', () => {
    expect(mapping.Properties.MaximumRetryAttempts).toBe(10);
    expect(mapping.Properties.MaximumRecordAgeInSeconds).toBe(6 * 3600);
  });

  it('sends what it could not process to an on-failure queue, encrypted and reachable only over TLS', () => {
    expect(mapping.Properties.DestinationConfig).toEqual({
      OnFailure: { Destination: getAtt(queueId, 'Arn') },
    });
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [refTo(queueId)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('raises an alarm as soon as one record is in the failure queue', () => {
    const [, alarm] = onlyResource(template, 'AWS::CloudWatch::Alarm', {
      Properties: { Dimensions: [{ Name: 'QueueName', Value: getAtt(queueId, 'QueueName') }] },
    });
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      Period: 60,
      TreatMissingData: 'notBreaching',
    });
  });

  it('may put items into the audit table, repair the search postings, read the stream and report to its queue, and nothing else', () => {
    const [searchId] = table(template, SEARCH_TABLE);
    const grants = roleStatements(template, AUDIT_CONSUMER.name)
      .filter((statement) => !actionsOf(statement).every((action) => /^(logs|xray):/.test(action)))
      .map((statement) => ({ actions: actionsOf(statement).sort(), resource: statement.Resource }));
    // And the CDK's ListStreams on the stream's ARN, which allows nothing (the action takes no resource).
    expect(grants).toHaveLength(6);
    expect(grants).toEqual(
      expect.arrayContaining([
        { actions: ['dynamodb:PutItem'], resource: getAtt(auditId, 'Arn') },
        { actions: ['dynamodb:BatchWriteItem'], resource: getAtt(searchId, 'Arn') },
        {
          actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          resource: getAtt(tokensId, 'StreamArn'),
        },
        { actions: ['dynamodb:ListStreams'], resource: '*' },
        {
          actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          resource: getAtt(queueId, 'Arn'),
        },
      ]),
    );
  });

  it('knows its table and retention, and nothing of the tokens table or the key', () => {
    const variables = (consumer.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      TOKENGATE_AUDIT_TABLE: refTo(auditId),
      TOKENGATE_AUDIT_RETENTION_DAYS: '400',
    });
    expect(variables).not.toHaveProperty('TOKENGATE_TOKENS_TABLE');
    expect(variables).not.toHaveProperty('TOKENGATE_KEY_SECRET_ID');
  });

  it('has time for a whole batch', () => {
    expect(consumer.Properties.Timeout).toBe(30);
  });
});

describe('audit retention', () => {
  it('is 400 days unless configured, and must be a whole number of days', () => {
    const { template } = synthStack({ tokenGate: { auditRetentionDays: 90 } });
    const [, consumer] = lambdaFunction(template, AUDIT_CONSUMER.name);
    expect(consumer.Properties.Environment).toMatchObject({
      Variables: { TOKENGATE_AUDIT_RETENTION_DAYS: '90' },
    });
    expect(() => synthStack({ tokenGate: { auditRetentionDays: 2.5 } })).toThrow(/whole number/);
  });
});

describe('the audit listing function', () => {
  it('may only query the audit table and its indexes', () => {
    const { template } = synthStack();
    const [auditId] = table(template, AUDIT_TABLE);
    const grants = roleStatements(template, FUNCTIONS.listAuditEvents.name)
      .filter((statement) => !actionsOf(statement).every((action) => /^(logs|xray):/.test(action)))
      .map((statement) => ({ actions: actionsOf(statement), resource: statement.Resource }));
    expect(grants).toEqual([
      { actions: ['dynamodb:Query'], resource: getAtt(auditId, 'Arn') },
      {
        actions: ['dynamodb:Query'],
        resource: AUDIT_TABLE.indexes.map((index) => ({
          'Fn::Join': ['', [getAtt(auditId, 'Arn'), `/index/${index.name}`]],
        })),
      },
    ]);
  });
});

describe('AuditStream', () => {
  it('takes other retry bounds, and passes the AWS Solutions checks on its own', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Alone');
    const gate = new TokenGate(stack, 'Gate');
    const other = new LambdaFunction(stack, 'Other', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    new AuditStream(stack, 'Mine', {
      tokensTable: gate.tokensTable,
      consumer: other,
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const report = new AwsSolutionsChecks(app).validateScope(gate);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('the stack outputs', () => {
  it('name the audit table and the failure queue, for operators', () => {
    const { template } = synthStack();
    const [auditId] = table(template, AUDIT_TABLE);
    const [queueId] = onlyResource(template, 'AWS::SQS::Queue', {});
    const outputs = Object.values(template.toJSON().Outputs as Record<string, { Value: unknown }>).map(
      (output) => output.Value,
    );
    expect(outputs).toContainEqual(refTo(auditId));
    expect(outputs).toContainEqual(refTo(queueId));
  });
});
