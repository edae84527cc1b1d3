// Secrets Manager rotation, wired by hand rather than with `Secret.addRotationSchedule`: that one
// also grants `secretsmanager:GetRandomPassword` on `*`, which tokengate's rotations never call (their
// keys and tokens come from node:crypto), and lets any account's Secrets Manager invoke the function.
import { type Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnRotationSchedule, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TokenGateFunction } from './function';

/** What a rotation function does to a secret it rotates (shared/adapters/secrets-vault.ts). */
export const ROTATION_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

export interface RotationProps {
  readonly secret: ISecret;
  /** The function that rotates this secret, and no other. */
  readonly rotationFunction: TokenGateFunction;
  readonly every: Duration;
  /** Rotate once when the schedule is created or changed (a RotatedToken's first token). */
  readonly rotateImmediately: boolean;
}

/** Whole days from 1 to 1000, as Secrets Manager's `AutomaticallyAfterDays` takes them. */
export function rotationDays(every: Duration, what: string): number {
  const days = every.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    throw new Error(`${what} must be a whole number of days from 1 to 1000, got ${every.toHumanString()}`);
  }
  return days;
}

/**
 * Rotates `secret` with `rotationFunction` every `every`, granting the function exactly what it does
 * to this secret and nothing on any other, and letting this account's Secrets Manager invoke it for
 * this secret alone (`SourceArn`): a rotation function has one secret.
 */
export function attachRotation(scope: Construct, id: string, props: RotationProps): CfnRotationSchedule {
  const { secret, rotationFunction } = props;
  const days = rotationDays(props.every, 'The rotation period');
  rotationFunction.addToRolePolicy(
    new PolicyStatement({ actions: ROTATION_ACTIONS, resources: [secret.secretArn] }),
  );
  rotationFunction.addPermission('SecretsManagerRotation', {
    principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
    sourceAccount: Stack.of(rotationFunction).account,
    sourceArn: secret.secretArn,
  });
  const schedule = new CfnRotationSchedule(scope, id, {
    secretId: secret.secretArn,
    rotationLambdaArn: rotationFunction.functionArn,
    rotationRules: { automaticallyAfterDays: days },
    rotateImmediatelyOnUpdate: props.rotateImmediately,
  });
  // A first rotation at deploy needs the function's permissions in place before it.
  schedule.node.addDependency(rotationFunction);
  if (rotationFunction.role) schedule.node.addDependency(rotationFunction.role);
  return schedule;
}
