// A consumer's token, kept in a Secrets Manager secret `{"token_id", "token"}` and rotated on a
// schedule by its TokenGate's rotation function (functions/rotation/token-secret.ts), which also makes
// its first token at deploy. The old token keeps working for `grace` after each rotation, so a
// consumer that re-reads the secret within that time never goes without.
import { Duration, SecretValue, Stack, Tags } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { parseCreateToken } from '#api/native-tokens';
import { checkGrace } from '#domain/rotation';
import { GRACE_SECONDS_TAG } from '#domain/token-secret';
import type { ScopeName } from '#spec/scopes';
import { attachRotation, rotationDays } from './rotation';
import type { TokenGate } from './token-gate';

/** One scope of the token, as the create API takes it: resources for `repos:read`, `sources:*`. */
export interface RotatedTokenScope {
  readonly scope: ScopeName;
  /** Resource names or `['*']`, for the resource-limited scopes only. */
  readonly resources?: string[];
}

export interface RotatedTokenProps {
  /** The TokenGate whose tokens table holds the token, and whose rotation function rotates it. */
  readonly tokenGate: TokenGate;
  /** The token's description (1–500 characters), as in `POST /v1/tokens`. */
  readonly description: string;
  /** The token's scopes, as in `POST /v1/tokens`. */
  readonly scopes: RotatedTokenScope[];
  /**
   * How often Secrets Manager rotates the token. Whole days, 1 to 1000.
   * @default Duration.days(30)
   */
  readonly rotateEvery?: Duration;
  /**
   * How long the previous token keeps working after a rotation, up to 7 days: whole seconds, either
   * 0 or more than the TokenGate's `authorizerCacheTtl` plus a second (a shorter grace would end
   * before the authorizer, which stops accepting a token that long before its expiry, let it in).
   * @default Duration.hours(1)
   */
  readonly grace?: Duration;
}

/**
 * A token for one consumer, held in `secret` and rotated on schedule. Its description and scopes are
 * the first token's (each rotation copies them); `grace` may change at any time.
 */
export class RotatedToken extends Construct {
  /** The Secrets Manager secret `{"token_id", "token"}`. */
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: RotatedTokenProps) {
    super(scope, id);
    // Its secret and the gate's rotation function refer to each other: across stacks, a cycle.
    if (Stack.of(this) !== Stack.of(props.tokenGate)) {
      throw new Error(
        `RotatedToken ${this.node.path} must be in the stack of its TokenGate (${Stack.of(props.tokenGate).stackName})`,
      );
    }
    const spec = { description: props.description, scopes: props.scopes };
    try {
      parseCreateToken(spec, new Date()); // refused here, at synth, as the API would refuse it
    } catch (error) {
      const field = (error as { field?: string }).field;
      throw new Error(
        `RotatedToken ${this.node.path}: ${field ? `${field} ` : ''}${(error as Error).message}`,
      );
    }
    const grace = (props.grace ?? Duration.hours(1)).toSeconds({ integral: false });
    try {
      // As the rotate API checks it: in range, and 0 or long enough to outlast the authorizer cache.
      checkGrace(grace, props.tokenGate.authorizerCacheTtl.toSeconds());
    } catch (error) {
      throw new Error(`RotatedToken ${this.node.path}: grace: ${(error as Error).message}`);
    }
    const every = props.rotateEvery ?? Duration.days(30);
    rotationDays(every, `RotatedToken ${this.node.path}: rotateEvery`);

    // No token yet: the rotation at deploy makes the first one from this spec (token-secret.ts). The
    // value is written once; changing description or scopes later would write it again, so they are
    // fixed: a token with other scopes is a new RotatedToken.
    this.secret = new Secret(this, 'Secret', {
      description: `tokengate token: ${props.description.slice(0, 200)}`,
      secretStringValue: SecretValue.unsafePlainText(
        JSON.stringify({ token_id: null, token: null, ...spec }),
      ),
    });
    Tags.of(this.secret).add(GRACE_SECONDS_TAG, String(grace));
    attachRotation(this, 'RotationSchedule', {
      secret: this.secret,
      rotationFunction: props.tokenGate.tokenSecretRotation,
      every,
      rotateImmediately: true,
    });
  }

  /** Lets `grantee` read the secret: `secretsmanager:GetSecretValue` and `DescribeSecret`, on it alone. */
  grantRead(grantee: IGrantable): Grant {
    return this.secret.grantRead(grantee);
  }
}
