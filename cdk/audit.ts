// The audit trail's delivery: the tokens table's stream feeds the audit consumer, which reports
// failed records one by one; what still fails after bounded retries goes to an on-failure queue,
// and an alarm goes off as soon as anything is in it. Nothing is dropped without someone knowing.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUDIT_CONSUMER } from '#spec/functions';
import { suppressNagRules } from './nag-suppressions';

export interface AuditStreamProps {
  /** The table whose stream carries every change to a token. */
  readonly tokensTable: ITable;
  /** The audit consumer (`AUDIT_CONSUMER`). */
  readonly consumer: IFunction;
  /**
   * Retries of a failing record before its batch's metadata goes to the failure queue. With
   * partial batch responses, a retry starts at the failed record, so the records before it are not
   * processed again.
   * @default `AUDIT_CONSUMER.stream.retryAttempts` (10)
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the failure queue instead of being retried further. Kept well
   * under the stream's 24-hour retention, so a record sent there can still be read and replayed.
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * The customer-managed KMS key the failure queue is encrypted with (the consumer, which sends to
   * it, is granted its use).
   * @default SQS-managed encryption (SSE-SQS)
   */
  readonly encryptionKey?: IKey;
}

/** The event source mapping from the tokens table's stream to the audit consumer. */
export class AuditStream extends Construct {
  /** Where the metadata of records that could not be processed goes (shard, sequence numbers). */
  readonly failureQueue: Queue;
  /** In alarm while the failure queue holds anything: audit events are missing until replayed. */
  readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: AuditStreamProps) {
    super(scope, id);
    this.failureQueue = new Queue(this, 'FailureQueue', {
      ...(props.encryptionKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    suppressNagRules(this.failureQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination: the on-failure destination of the audit stream ' +
          'event source mapping. Nothing consumes it automatically; its alarm calls for a replay.',
      },
    ]);

    props.consumer.addEventSource(
      new DynamoEventSource(props.tokensTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: AUDIT_CONSUMER.stream.batchSize,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? AUDIT_CONSUMER.stream.retryAttempts,
        maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
        parallelizationFactor: 1, // one batch per shard at a time: a token's changes stay in order
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );
    // The mapping's grant reads the stream by ARN. A `TableV2`'s also names the stream for
    // dynamodb:ListStreams, which takes no resource and so allows nothing there: granted on `*`, as
    // a `Table`'s grant does.
    props.consumer.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }),
    );

    if (props.consumer.role) {
      suppressNagRules(props.consumer.role, [
        {
          id: 'AwsSolutions-IAM5',
          appliesTo: ['Resource::*'],
          reason:
            'Active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and the stream event source ' +
            '(dynamodb:ListStreams) support no resource-level permissions; the stream itself is read by ARN.',
        },
      ]);
    }

    this.failureAlarm = new Alarm(this, 'FailureAlarm', {
      alarmDescription:
        'tokengate: stream records the audit consumer could not process are in the failure queue; their ' +
        'audit events are missing until the records are replayed from the stream (24 h retention): ' +
        'tokengate audit redrive --queue <this queue URL> --table <the tokens table> --audit-table <the audit table>.',
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
