// Secrets Manager rotation in the template: the key secret's schedule, RotatedToken (its secret, first
// token at deploy, schedule, grace, grants), and who may invoke the rotation functions.
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { RotatedToken, type RotatedTokenProps } from '#cdk/rotated-token';
import { ROTATION_ACTIONS } from '#cdk/rotation';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { GRACE_SECONDS_TAG } from '#domain/token-secret';
import { KEY_SECRET_ROTATION, TOKEN_SECRET_ROTATION } from '#spec/routes';
import {
  actionsOf,
  lambdaFunction,
  onlyResource,
  roleStatements,
  synthStack,
  unbundledApp,
} from './template';

const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

/** A stack of one TokenGate and the RotatedTokens `tokens` describes, as another team's app makes them. */
function gateWith(
  tokens: Record<string, Omit<RotatedTokenProps, 'tokenGate'>> = {},
  gateProps: TokenGateProps = {},
  more: (stack: Stack, made: Record<string, RotatedToken>) => void = () => undefined,
) {
  const stack = new Stack(unbundledApp(), 'Consumer', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const gate = new TokenGate(stack, 'Tokens', gateProps);
  const made = Object.fromEntries(
    Object.entries(tokens).map(([id, props]) => [
      id,
      new RotatedToken(stack, id, { tokenGate: gate, ...props }),
    ]),
  );
  more(stack, made);
  return { stack, gate, made, template: Template.fromStack(stack) };
}

const SCIM = { description: 'SCIM sync', scopes: [{ scope: 'identity:manage' as const }] };

function secretOf(template: Template, description: string) {
  return onlyResource(template, 'AWS::SecretsManager::Secret', {
    Properties: { Description: Match.stringLikeRegexp(description) },
  });
}

function scheduleOf(template: Template, secretId: string) {
  return onlyResource(template, 'AWS::SecretsManager::RotationSchedule', {
    Properties: { SecretId: { Ref: secretId } },
  });
}

describe('the key secret', () => {
  it('is rotated every 90 days by the key rotation function, not at deploy', () => {
    const { template } = synthStack();
    const [keyId] = secretOf(template, 'HMAC key ring');
    const [fnId] = lambdaFunction(template, KEY_SECRET_ROTATION.name);
    const [, schedule] = scheduleOf(template, keyId);
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: keyId },
      RotationLambdaARN: getAtt(fnId, 'Arn'),
      RotationRules: { AutomaticallyAfterDays: 90 },
      RotateImmediatelyOnUpdate: false,
    });
  });

  it('takes its period from keyRotationEvery, in whole days from 1 to 1000', () => {
    const { template } = gateWith({}, { keyRotationEvery: Duration.days(30) });
    const [keyId] = secretOf(template, 'HMAC key ring');
    expect(scheduleOf(template, keyId)[1].Properties.RotationRules).toEqual({ AutomaticallyAfterDays: 30 });
    expect(() => gateWith({}, { keyRotationEvery: Duration.hours(36) })).toThrow(/whole number of days/);
    expect(() => gateWith({}, { keyRotationEvery: Duration.days(1001) })).toThrow(/from 1 to 1000/);
  });
});

describe('RotatedToken', () => {
  it('holds no token until its first rotation, which runs at deploy and makes it from its description and scopes', () => {
    const { template } = gateWith({ Scim: SCIM });
    const [secretId, secret] = secretOf(template, 'tokengate token: SCIM sync');
    expect(JSON.parse(secret.Properties.SecretString as string)).toEqual({
      token_id: null,
      token: null,
      description: 'SCIM sync',
      scopes: [{ scope: 'identity:manage' }],
    });
    const [fnId] = lambdaFunction(template, TOKEN_SECRET_ROTATION.name);
    expect(scheduleOf(template, secretId)[1].Properties).toEqual({
      SecretId: { Ref: secretId },
      RotationLambdaARN: getAtt(fnId, 'Arn'),
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
  });

  it('is rotated every rotateEvery, with the grace in a tag the rotation function reads', () => {
    const { template } = gateWith({
      Default: SCIM,
      Weekly: { ...SCIM, description: 'weekly', rotateEvery: Duration.days(7), grace: Duration.minutes(10) },
    });
    const [defaultId, defaults] = secretOf(template, 'tokengate token: SCIM sync');
    const [weeklyId, weekly] = secretOf(template, 'tokengate token: weekly');
    expect(scheduleOf(template, weeklyId)[1].Properties.RotationRules).toEqual({ AutomaticallyAfterDays: 7 });
    expect(scheduleOf(template, defaultId)[1].Properties.RotationRules).toEqual({
      AutomaticallyAfterDays: 30,
    });
    expect(weekly.Properties.Tags).toContainEqual({ Key: GRACE_SECONDS_TAG, Value: '600' });
    expect(defaults.Properties.Tags).toContainEqual({ Key: GRACE_SECONDS_TAG, Value: '3600' });
  });

  it('lets the rotation function rotate each RotatedToken secret, and no other secret', () => {
    const { template } = gateWith({ One: SCIM, Two: { ...SCIM, description: 'second' } });
    const secrets = ['tokengate token: SCIM sync', 'tokengate token: second'].map(
      (description) => secretOf(template, description)[0],
    );
    const rotating = roleStatements(template, TOKEN_SECRET_ROTATION.name).filter((statement) =>
      actionsOf(statement).some(
        (action) => action.startsWith('secretsmanager:') && action !== 'secretsmanager:GetSecretValue',
      ),
    );
    expect(rotating.map((statement) => [[...actionsOf(statement)].sort(), statement.Resource])).toEqual(
      secrets.map((id) => [[...ROTATION_ACTIONS].sort(), { Ref: id }]),
    );
  });

  it('starts each first rotation only once the function and its permissions exist', () => {
    const { template } = gateWith({ Scim: SCIM });
    const [secretId] = secretOf(template, 'tokengate token: SCIM sync');
    const [fnId, fn] = lambdaFunction(template, TOKEN_SECRET_ROTATION.name);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const [, schedule] = scheduleOf(template, secretId);
    const [permissionId] = onlyResource(template, 'AWS::Lambda::Permission', {
      Properties: { FunctionName: getAtt(fnId, 'Arn') },
    });
    const policies = Object.keys(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    );
    expect(schedule.DependsOn).toEqual(expect.arrayContaining([fnId, roleId, permissionId, ...policies]));
  });

  it('grants a consumer reading its secret, that secret alone', () => {
    let consumer: Role | undefined;
    const { stack, template } = gateWith(
      { Scim: SCIM, Other: { ...SCIM, description: 'other' } },
      {},
      (scope, made) => {
        consumer = new Role(scope, 'Consumer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
        made.Scim?.grantRead(consumer);
      },
    );
    const [secretId] = secretOf(template, 'tokengate token: SCIM sync');
    const [, policy] = onlyResource(template, 'AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId((consumer as Role).node.defaultChild as never) }] },
    });
    expect((policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: { Ref: secretId },
      },
    ]);
  });

  it('refuses at synth what the create API would refuse, a period in hours and a grace over 7 days', () => {
    expect(() => gateWith({ Bad: { description: 'x', scopes: [{ scope: 'repos:read' }] } })).toThrow(
      /scopes\.0\.resources: repos:read needs repos names or \*/,
    );
    expect(() => gateWith({ Bad: { description: '', scopes: SCIM.scopes } })).toThrow(/description/);
    expect(() => gateWith({ Bad: { ...SCIM, rotateEvery: Duration.hours(12) } })).toThrow(/rotateEvery/);
    expect(() => gateWith({ Bad: { ...SCIM, grace: Duration.days(8) } })).toThrow(/grace/);
  });

  it("refuses at synth a grace that would end before its TokenGate's authorizer cache lets the old token in: 0 or more than the TTL + 1 s", () => {
    expect(() => gateWith({ Bad: { ...SCIM, grace: Duration.seconds(20) } })).toThrow(
      /^RotatedToken Consumer\/Bad: grace: grace_seconds must be 0 or at least 32: /,
    );
    expect(() =>
      gateWith({ Bad: { ...SCIM, grace: Duration.seconds(6) } }, { authorizerCacheTtl: Duration.seconds(5) }),
    ).toThrow(/at least 7/);
    for (const grace of [Duration.seconds(0), Duration.seconds(32)]) {
      expect(() => gateWith({ Fine: { ...SCIM, grace } })).not.toThrow();
    }
    expect(() =>
      gateWith(
        { Fine: { ...SCIM, grace: Duration.seconds(7) } },
        { authorizerCacheTtl: Duration.seconds(5) },
      ),
    ).not.toThrow();
  });

  it('must be in the stack of its TokenGate, where the secret and the rotation function can refer to each other', () => {
    const { stack, gate } = gateWith();
    const other = new Stack(stack.node.scope as never, 'Elsewhere');
    expect(() => new RotatedToken(other, 'Scim', { tokenGate: gate, ...SCIM })).toThrow(
      /must be in the stack of its TokenGate/,
    );
  });
});

describe('the rotation functions', () => {
  it.each([TOKEN_SECRET_ROTATION.name, KEY_SECRET_ROTATION.name])(
    '%s may be invoked by this account’s Secrets Manager only',
    (name) => {
      const { template } = gateWith();
      const [fnId] = lambdaFunction(template, name);
      const [, permission] = onlyResource(template, 'AWS::Lambda::Permission', {
        Properties: { FunctionName: getAtt(fnId, 'Arn') },
      });
      expect(permission.Properties).toEqual({
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(fnId, 'Arn'),
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: '123456789012',
      });
    },
  );

  it('the example app rotates its consumer token with the same function', () => {
    const { template } = synthStack();
    const [secretId] = secretOf(template, 'Example API consumer');
    const [fnId] = lambdaFunction(template, TOKEN_SECRET_ROTATION.name);
    expect(scheduleOf(template, secretId)[1].Properties).toMatchObject({
      RotationLambdaARN: getAtt(fnId, 'Arn'),
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
  });
});
