// A consumer's token, kept in a Secrets Manager secret `{"token_id", "token"}` and rotated on a
// schedule by its own rotation function (functions/rotation/token-secret.ts), which also makes its
// first token at deploy. The function's environment declares the one secret it rotates and the
// description, scopes and grace of the token it mints; the secret holds nothing but the token. The
// old token keeps working for `grace` after each rotation, so a consumer that re-reads the secret
// within that time never goes without.
import { Duration, SecretValue, Stack, Token } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { parseCreateToken } from '#api/native-tokens';
import { checkGrace } from '#domain/token-rotation';
import { ENV } from '#spec/env';
import { TOKEN_SECRET_ROTATION } from '#spec/functions';
import { scopeEntries } from '#spec/scopes';
import type { TokenGateFunction } from './function';
import { attachRotation, rotationDays } from './rotation';
import type { TokenGate } from './token-gate';

/** One scope of the token, as the create API takes it: a scope of its TokenGate's catalogue. */
export interface RotatedTokenScope {
  readonly scope: string;
  /** Resource names or `['*']`, for the scopes that take resources only. */
  readonly resources?: string[];
}

export interface RotatedTokenProps {
  /**
   * The TokenGate whose tokens table holds the token: in this stack or another stack of the app in
   * the same account and region (the CDK passes its tables' names and key secret's ARN on as
   * CloudFormation exports).
   */
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
 * A token for one consumer, held in `secret` and rotated on schedule by its own function. Its
 * description and scopes are fixed: the function rotates only a token that carries them, so a token
 * with other ones is a new RotatedToken. `grace` may change at any time.
 */
export class RotatedToken extends Construct {
  /** The Secrets Manager secret `{"token_id", "token"}`. */
  readonly secret: Secret;
  /** Rotates `secret`, and no other (`TOKEN_SECRET_ROTATION`). */
  readonly rotationFunction: TokenGateFunction;

  constructor(scope: Construct, id: string, props: RotatedTokenProps) {
    super(scope, id);
    checkSameEnvironment(this, props.tokenGate);
    const spec = { description: props.description, scopes: props.scopes };
    try {
      parseCreateToken(spec, new Date(), scopeEntries(props.tokenGate.scopes)); // refused here, at synth, as the API would refuse it
    } catch (error) {
      // The API's messages mostly begin with the field they name already: named once, then.
      const { message } = error as Error;
      const field = (error as { field?: string }).field;
      const named = field === undefined || message.startsWith(field) ? message : `${field}: ${message}`;
      throw new Error(`RotatedToken ${this.node.path}: ${named}`);
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

    // No token yet: the rotation at deploy makes the first one, as the function's environment declares.
    // The description and scopes in this first value are never read (the function takes them from its
    // environment only); they stay so that the value is the one earlier versions wrote: a changed value
    // would make CloudFormation replace the secret's current token by none on upgrade, and leave that
    // token, which never expires, live and held by nobody. Unchanged, the upgrade's first rotation
    // rotates it, with the grace.
    this.secret = new Secret(this, 'Secret', {
      description: `tokengate token: ${props.description.slice(0, 200)}`,
      secretStringValue: SecretValue.unsafePlainText(
        JSON.stringify({ token_id: null, token: null, ...spec }),
      ),
    });
    // In this construct's stack: it refers to the gate's tables and key, never the other way round.
    this.rotationFunction = props.tokenGate.createFunction(this, TOKEN_SECRET_ROTATION);
    this.rotationFunction.addEnvironment(ENV.rotatedSecretArn, this.secret.secretArn);
    this.rotationFunction.addEnvironment(ENV.rotatedDescription, props.description);
    this.rotationFunction.addEnvironment(ENV.rotatedScopes, JSON.stringify(props.scopes));
    this.rotationFunction.addEnvironment(ENV.rotatedGraceSeconds, String(grace));
    attachRotation(this, 'RotationSchedule', {
      secret: this.secret,
      rotationFunction: this.rotationFunction,
      every,
      rotateImmediately: true,
    });
  }

  /** Lets `grantee` read the secret: `secretsmanager:GetSecretValue` and `DescribeSecret`, on it alone. */
  grantRead(grantee: IGrantable): Grant {
    return this.secret.grantRead(grantee);
  }
}

/**
 * The rotation function calls DynamoDB and Secrets Manager in its own region, by the gate's table
 * names: a stack in another account or region (or one bound to none beside a gate bound to one)
 * would deploy a function that finds neither.
 */
function checkSameEnvironment(token: RotatedToken, gate: TokenGate): void {
  const here = Stack.of(token);
  const there = Stack.of(gate);
  if (here.account === there.account && here.region === there.region) return;
  const env = (stack: Stack) =>
    Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)
      ? 'any'
      : `${stack.account}/${stack.region}`;
  throw new Error(
    `RotatedToken ${token.node.path}: its stack must be in its TokenGate's account and region (${env(here)} is not ${env(there)}): its rotation function reads the gate's tables and key secret in its own region`,
  );
}
