// A gate's alarms and its CloudWatch dashboard: what an operator watches, and what pages them.
// docs/operations.md says what to do when each alarm fires.
import { Duration, Tags } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DENY_REASONS, METRIC_DIMENSIONS, METRICS, METRICS_NAMESPACE } from '#spec/metrics';
import type { TokenGate } from './token-gate';

/** The tag each alarm a gate makes carries, with the alarm's name (`ALARMS`) as its value. */
export const ALARM_TAG = 'tokengate:alarm';

/** The alarms a gate makes, by the name its `ALARM_TAG` carries. */
export const ALARMS = {
  authorizerErrors: 'authorizer-errors',
  authorizerThrottles: 'authorizer-throttles',
  authorizerLatency: 'authorizer-latency',
  api5xx: 'api-5xx',
  dynamoThrottles: 'dynamodb-throttles',
  auditFailureQueue: 'audit-failure-queue',
  auditIteratorAge: 'audit-iterator-age',
  rotationFailures: 'rotation-failures',
} as const;

/** The authorizer's p99 duration above which its alarm fires (3 periods of 5 minutes in a row). */
export const AUTHORIZER_P99_THRESHOLD_MS = 1000;
/** The audit stream's iterator age above which its alarm fires: audit events run this late. */
export const AUDIT_ITERATOR_AGE_THRESHOLD_MS = 5 * 60 * 1000;

const FIVE_MINUTES = Duration.minutes(5);

export interface TokenGateMonitoringProps {
  /** The gate watched. */
  readonly gate: TokenGate;
  /** Where every alarm sends its ALARM and OK notifications. @default no action */
  readonly alarmTopic?: ITopic;
}

/**
 * The alarms (each tagged `ALARM_TAG`) and the dashboard of a gate: authorizer errors, throttles and
 * p99 duration, the management API's 5xx answers, DynamoDB throttles on the gate's tables, the audit
 * trail's failure queue (the alarm `gate.auditStream` made) and iterator age, rotation failures.
 */
export class TokenGateMonitoring extends Construct {
  /** Every alarm of the gate, by name; the failure queue's is `gate.auditStream.failureAlarm`. */
  readonly alarms: { readonly [name: string]: IAlarm };
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TokenGateMonitoringProps) {
    super(scope, id);
    const { gate } = props;
    const authorizer = gate.authorizerFunction;
    const alarms: Record<string, Alarm> = {};
    const alarm = (
      name: string,
      description: string,
      metric: IMetric,
      options: { threshold?: number; evaluationPeriods?: number } = {},
    ) => {
      alarms[name] = new Alarm(this, name, {
        alarmDescription: `tokengate ${gate.metricsGate}: ${description}`,
        metric,
        threshold: options.threshold ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      return alarms[name];
    };

    alarm(
      ALARMS.authorizerErrors,
      'the authorizer function failed (its callers were answered 500 or 401)',
      authorizer.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    alarm(
      ALARMS.authorizerThrottles,
      'Lambda throttled the authorizer function (its callers were refused)',
      authorizer.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    alarm(
      ALARMS.authorizerLatency,
      `the authorizer's p99 duration was ${AUTHORIZER_P99_THRESHOLD_MS} ms or more for 15 minutes`,
      gate.metricAuthorizerLatency({ period: FIVE_MINUTES }),
      { threshold: AUTHORIZER_P99_THRESHOLD_MS, evaluationPeriods: 3 },
    );
    if (gate.api) {
      alarm(
        ALARMS.api5xx,
        'the management API answered 5xx',
        gate.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
    }
    const tables = [gate.tokensTable, gate.auditTable, gate.searchTable, gate.usageTable];
    alarm(
      ALARMS.dynamoThrottles,
      "DynamoDB throttled reads or writes on the gate's tables",
      throttlesOf(tables),
    );
    alarm(
      ALARMS.auditIteratorAge,
      `the audit consumer is ${AUDIT_ITERATOR_AGE_THRESHOLD_MS / 60_000} minutes or more behind the tokens table's stream`,
      gate.auditConsumer.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      { threshold: AUDIT_ITERATOR_AGE_THRESHOLD_MS, evaluationPeriods: 5 },
    );
    alarm(
      ALARMS.rotationFailures,
      'a rotation of the key secret or of a RotatedToken failed',
      new MathExpression({
        expression: 'FILL(key, 0) + FILL(token, 0)', // a failure of either, when the other has no data
        usingMetrics: {
          key: gate.metricRotationFailed({ rotation: 'key' }),
          token: gate.metricRotationFailed({ rotation: 'token' }),
        },
        label: 'RotationFailed',
        period: FIVE_MINUTES,
      }),
    );
    for (const [name, made] of Object.entries(alarms)) Tags.of(made).add(ALARM_TAG, name);
    const failureAlarm = gate.auditStream.failureAlarm;
    Tags.of(failureAlarm).add(ALARM_TAG, ALARMS.auditFailureQueue);
    this.alarms = { ...alarms, [ALARMS.auditFailureQueue]: failureAlarm };
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const made of [...Object.values(alarms), failureAlarm]) {
        made.addAlarmAction(action);
        made.addOkAction(action);
      }
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new AlarmStatusWidget({
            title: 'Alarms',
            alarms: Object.values(this.alarms),
            width: 24,
            height: 3,
          }),
        ],
        [
          graph('Authorizer: allowed and denied by reason', [
            gate.metricAllowed(),
            ...DENY_REASONS.map((reason) => gate.metricDenied({ reason, label: `Denied: ${reason}` })),
          ]),
          graph('Authorizer: p99 duration and store latency (ms)', [
            gate.metricAuthorizerLatency({ label: 'Duration p99' }),
            gate.metricStoreLatency({ label: 'StoreLatency p99' }),
          ]),
          graph('Authorizer: errors, throttles, memo hits', [
            authorizer.metricErrors({ statistic: 'Sum' }),
            authorizer.metricThrottles({ statistic: 'Sum' }),
            gate.metricMemoHits(),
          ]),
        ],
        [
          graph('Management API: requests and errors by code', [
            gate.metricApiRequests(),
            new MathExpression({
              expression: `SEARCH('{${METRICS_NAMESPACE},${METRIC_DIMENSIONS.gate},${METRIC_DIMENSIONS.code}} MetricName="${METRICS.errors.name}" ${METRIC_DIMENSIONS.gate}="${gate.metricsGate}"', 'Sum', 300)`,
              label: 'Errors',
              period: FIVE_MINUTES,
            }),
          ]),
          graph('Audit trail: lag (ms) and iterator age (ms)', [
            gate.metricAuditLag(),
            gate.auditConsumer.metric('IteratorAge', { statistic: 'Maximum' }),
          ]),
          graph('Audit trail: failures and failure queue', [
            gate.metricAuditFailures(),
            gate.auditStream.failureQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
          ]),
        ],
        [
          graph('Rotations: succeeded and failed steps', [
            gate.metricRotationSucceeded({ rotation: 'key' }),
            gate.metricRotationSucceeded({ rotation: 'token' }),
            gate.metricRotationFailed({ rotation: 'key' }),
            gate.metricRotationFailed({ rotation: 'token' }),
          ]),
          graph('DynamoDB: throttled reads and writes', [throttlesOf(tables)]),
          graph('Functions: errors', functionErrors([authorizer, gate.auditConsumer, gate.usageRecorder])),
        ],
      ],
    });
  }
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 8, height: 6 });
}

/** Read and write throttle events of `tables`, summed (an expression takes at most 10 metrics: 5 tables). */
function throttlesOf(tables: readonly TableV2[]): MathExpression {
  const usingMetrics: Record<string, Metric> = {};
  tables.forEach((table, index) => {
    usingMetrics[`r${index}`] = table.metric('ReadThrottleEvents', { statistic: 'Sum' });
    usingMetrics[`w${index}`] = table.metric('WriteThrottleEvents', { statistic: 'Sum' });
  });
  return new MathExpression({
    // Throttle events are published only when there are some: each series filled with 0, or one
    // table's throttles would be summed with another's missing data into none.
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label: 'Throttled requests',
    period: FIVE_MINUTES,
  });
}

function functionErrors(functions: readonly IFunction[]): Metric[] {
  return functions.map((fn) => fn.metricErrors({ statistic: 'Sum', label: fn.node.id }));
}
