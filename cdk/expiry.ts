// The expiry-warning scan's schedule: EventBridge Scheduler invokes the ExpiryWarner function every
// `EXPIRY_WARNER.everyHours` (daily). What it does, and why a run repeated or retried warns no token
// twice: shared/domain/expiry-warning.ts.
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IScheduleTarget, Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV } from '#spec/env';
import { EXPIRY_WARNER } from '#spec/functions';
import type { TokenGateFunction } from './function';

export interface ExpiryWarningsProps {
  /** The ExpiryWarner function (`EXPIRY_WARNER`). */
  readonly warner: TokenGateFunction;
  /** How long before its expiry a token is warned of. */
  readonly window: Duration;
}

export class ExpiryWarnings extends Construct {
  /** Invokes the scan daily. */
  readonly schedule: Schedule;
  /** What the schedule invokes the scan as: it may invoke that one function, and nothing else. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ExpiryWarningsProps) {
    super(scope, id);
    const seconds = props.window.toSeconds();
    if (!(seconds > 0)) throw new Error(`expiryWarningWindow must be longer than 0, got ${props.window}`);
    props.warner.addEnvironment(ENV.expiryWarningSeconds, String(seconds));
    // Not aws-scheduler-targets' LambdaInvoke: its role may invoke every version and alias too (`:*`).
    const { account } = Stack.of(this);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'tokengate: EventBridge Scheduler invokes the expiry-warning scan',
    });
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.warner.functionArn] }),
    );
    const target: IScheduleTarget = {
      bind: () => ({
        arn: props.warner.functionArn,
        role: this.role,
        // A failed run is retried by Lambda (the invocation is asynchronous), and the next day's run
        // puts whatever is still owed, so the schedule itself retries delivery only.
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Duration.hours(6).toSeconds() },
      }),
    };
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'tokengate: the daily expiry-warning scan (token.expiring events)',
      schedule: ScheduleExpression.rate(Duration.hours(EXPIRY_WARNER.everyHours)),
      target,
    });
  }
}
