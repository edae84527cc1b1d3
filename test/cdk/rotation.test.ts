// Secrets Manager rotation in the template: the key secret's schedule, RotatedToken (its secret, its
// own rotation function and what it declares, first token at deploy, schedule, grants, another stack),
// and who may invoke the rotation functions, for which secret.
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { FUNCTION_TAG } from '#cdk/function';
import { RotatedToken, type RotatedTokenProps } from '#cdk/rotated-token';
import { ROTATION_ACTIONS } from '#cdk/rotation';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { KEY_SECRET_ROTATION, TOKEN_SECRET_ROTATION } from '#spec/functions';
import { SEARCH_TABLE, TOKENS_TABLE } from '#spec/tables';
import {
  actionsOf,
  lambdaFunction,
  onlyResource,
  type Statement,
  synthStack,
  table,
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

/** The rotation function that rotates the secret `secretId`: the one its environment declares. */
function rotationFunctionOf(template: Template, secretId: string): [string, Resource] {
  return onlyResource(template, 'AWS::Lambda::Function', {
    Properties: {
      Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: TOKEN_SECRET_ROTATION.name }]),
      Environment: { Variables: Match.objectLike({ TOKENGATE_ROTATED_SECRET_ARN: { Ref: secretId } }) },
    },
  }) as [string, Resource];
}

function environmentOf(fn: Resource): Record<string, unknown> {
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Every statement of the IAM policies attached to `fn`'s role. */
function statementsOfRole(template: Template, fn: Resource): Statement[] {
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  }) as Record<string, Resource>;
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };
type Output = { Value: unknown; Export: { Name: string } };

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
  it('holds no token until its first rotation, which runs at deploy; its first value is the one earlier versions wrote', () => {
    const { template } = gateWith({ Scim: SCIM });
    const [secretId, secret] = secretOf(template, 'tokengate token: SCIM sync');
    // Unchanged across versions, so that an upgrade does not replace a live token by none.
    expect(JSON.parse(secret.Properties.SecretString as string)).toEqual({
      token_id: null,
      token: null,
      description: 'SCIM sync',
      scopes: [{ scope: 'identity:manage' }],
    });
    const [fnId] = rotationFunctionOf(template, secretId);
    expect(scheduleOf(template, secretId)[1].Properties).toEqual({
      SecretId: { Ref: secretId },
      RotationLambdaARN: getAtt(fnId, 'Arn'),
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
  });

  it('is rotated every rotateEvery by its own function, whose environment declares its secret, description, scopes and grace', () => {
    const { template } = gateWith({
      Default: SCIM,
      Weekly: {
        description: 'weekly',
        scopes: [{ scope: 'repos:read', resources: ['cran'] }],
        rotateEvery: Duration.days(7),
        grace: Duration.minutes(10),
      },
    });
    const [defaultId] = secretOf(template, 'tokengate token: SCIM sync');
    const [weeklyId] = secretOf(template, 'tokengate token: weekly');
    expect(scheduleOf(template, weeklyId)[1].Properties.RotationRules).toEqual({ AutomaticallyAfterDays: 7 });
    expect(scheduleOf(template, defaultId)[1].Properties.RotationRules).toEqual({
      AutomaticallyAfterDays: 30,
    });
    expect(environmentOf(rotationFunctionOf(template, weeklyId)[1])).toMatchObject({
      TOKENGATE_ROTATED_SECRET_ARN: { Ref: weeklyId },
      TOKENGATE_ROTATED_DESCRIPTION: 'weekly',
      TOKENGATE_ROTATED_SCOPES: JSON.stringify([{ scope: 'repos:read', resources: ['cran'] }]),
      TOKENGATE_ROTATED_GRACE_SECONDS: '600',
    });
    expect(environmentOf(rotationFunctionOf(template, defaultId)[1])).toMatchObject({
      TOKENGATE_ROTATED_SECRET_ARN: { Ref: defaultId },
      TOKENGATE_ROTATED_DESCRIPTION: 'SCIM sync',
      TOKENGATE_ROTATED_SCOPES: JSON.stringify([{ scope: 'identity:manage' }]),
      TOKENGATE_ROTATED_GRACE_SECONDS: '3600',
    });
  });

  it('gives each rotation function its own secret to rotate, and no other secret; all share one code asset', () => {
    const { template } = gateWith({ One: SCIM, Two: { ...SCIM, description: 'second' } });
    const secrets = ['tokengate token: SCIM sync', 'tokengate token: second'].map(
      (description) => secretOf(template, description)[0],
    );
    const functions = secrets.map((secretId) => rotationFunctionOf(template, secretId));
    for (const [index, secretId] of secrets.entries()) {
      const [, fn] = functions[index] as [string, Resource];
      const rotating = statementsOfRole(template, fn).filter((statement) =>
        actionsOf(statement).some(
          (action) => action.startsWith('secretsmanager:') && action !== 'secretsmanager:GetSecretValue',
        ),
      );
      expect(rotating.map((statement) => [[...actionsOf(statement)].sort(), statement.Resource])).toEqual([
        [[...ROTATION_ACTIONS].sort(), { Ref: secretId }],
      ]);
    }
    const [one, two] = functions.map(([, fn]) => fn.Properties.Code);
    expect(one).toEqual(two);
  });

  it('starts each first rotation only once the function and its permissions exist', () => {
    const { template } = gateWith({ Scim: SCIM });
    const [secretId] = secretOf(template, 'tokengate token: SCIM sync');
    const [fnId, fn] = rotationFunctionOf(template, secretId);
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

  it('may live in another stack than its TokenGate: its function sits beside it and refers to the gate one way', () => {
    const app = unbundledApp();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const gateStack = new Stack(app, 'Gate', { env });
    const gate = new TokenGate(gateStack, 'Tokens');
    const consumerStack = new Stack(app, 'ConsumerTokens', { env });
    new RotatedToken(consumerStack, 'Scim', { tokenGate: gate, ...SCIM });

    const consumer = Template.fromStack(consumerStack);
    const gateTemplate = Template.fromStack(gateStack);
    /** The gate stack's export of `value`, as the consumer stack imports it. */
    const imported = (value: unknown) => {
      const outputs = Object.values(gateTemplate.toJSON().Outputs as Record<string, Output>);
      const output = outputs.find((o) => JSON.stringify(o.Value) === JSON.stringify(value));
      expect(output?.Export.Name, JSON.stringify(value)).toMatch(/^Gate:ExportsOutput/);
      return { 'Fn::ImportValue': output?.Export.Name };
    };
    const [tableId] = table(gateTemplate, TOKENS_TABLE);
    const [searchId] = table(gateTemplate, SEARCH_TABLE);
    const [keyId] = secretOf(gateTemplate, 'HMAC key ring');
    const [secretId] = secretOf(consumer, 'tokengate token: SCIM sync');
    const [fnId, fn] = rotationFunctionOf(consumer, secretId);
    expect(environmentOf(fn)).toEqual({
      POWERTOOLS_SERVICE_NAME: 'tokengate',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      TOKENGATE_TOKENS_TABLE: imported({ Ref: tableId }),
      TOKENGATE_SEARCH_TABLE: imported({ Ref: searchId }),
      TOKENGATE_KEY_SECRET_ID: imported({ Ref: keyId }),
      TOKENGATE_RETENTION_DAYS: '30',
      TOKENGATE_AUTHORIZER_CACHE_TTL: '30',
      TOKENGATE_ROTATED_SECRET_ARN: { Ref: secretId },
      TOKENGATE_ROTATED_DESCRIPTION: 'SCIM sync',
      TOKENGATE_ROTATED_SCOPES: '[{"scope":"identity:manage"}]',
      TOKENGATE_ROTATED_GRACE_SECONDS: '3600',
      TOKENGATE_METRICS_GATE: 'Gate/Tokens',
    });
    // Its role reaches the gate's tables and key through the same exports.
    const resources = statementsOfRole(consumer, fn).flatMap((statement) => [statement.Resource].flat());
    expect(resources).toEqual(
      expect.arrayContaining([imported(getAtt(tableId, 'Arn')), imported({ Ref: keyId })]),
    );
    expect(scheduleOf(consumer, secretId)[1].Properties).toEqual({
      SecretId: { Ref: secretId },
      RotationLambdaARN: getAtt(fnId, 'Arn'),
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
    expect(consumerStack.dependencies).toEqual([gateStack]);
    expect(gateStack.dependencies).toEqual([]);
    // The gate's stack holds no rotation function of a RotatedToken, and imports nothing.
    expect(
      Object.keys(
        gateTemplate.findResources('AWS::Lambda::Function', {
          Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: TOKEN_SECRET_ROTATION.name }]) },
        }),
      ),
    ).toEqual([]);
    expect(JSON.stringify(gateTemplate.toJSON())).not.toContain('Fn::ImportValue');
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a stack in another region or account than its TokenGate, whose tables its function could not reach', () => {
    const app = unbundledApp();
    const gateStack = new Stack(app, 'Gate', {
      env: { account: '123456789012', region: 'eu-west-1' },
      crossRegionReferences: true,
    });
    const gate = new TokenGate(gateStack, 'Tokens');
    const elsewhere = [
      ['Virginia', { account: '123456789012', region: 'us-east-1' }],
      ['OtherAccount', { account: '210987654321', region: 'eu-west-1' }],
      ['Anywhere', undefined],
    ] as const;
    for (const [id, env] of elsewhere) {
      const stack = new Stack(app, id, { env, crossRegionReferences: true });
      expect(() => new RotatedToken(stack, 'Scim', { tokenGate: gate, ...SCIM })).toThrow(
        `RotatedToken ${id}/Scim: its stack must be in its TokenGate's account and region (${
          env ? `${env.account}/${env.region}` : 'any'
        } is not 123456789012/eu-west-1): its rotation function reads the gate's tables and key secret in its own region`,
      );
    }
    // Two stacks bound to no environment deploy to the same one.
    const anywhere = new TokenGate(new Stack(app, 'AnyGate'), 'Tokens');
    expect(
      () => new RotatedToken(new Stack(app, 'AnyConsumer'), 'Scim', { tokenGate: anywhere, ...SCIM }),
    ).not.toThrow();
  });
});

describe('the rotation functions', () => {
  it.each([
    ['TokenSecretRotation', 'tokengate token: SCIM sync'],
    ['KeySecretRotation', 'HMAC key ring'],
  ])('%s may be invoked by this account’s Secrets Manager only, for its own secret only', (_, secret) => {
    const { template } = gateWith({ Scim: SCIM });
    const [secretId] = secretOf(template, secret);
    const arn = scheduleOf(template, secretId)[1].Properties.RotationLambdaARN as { 'Fn::GetAtt': [string] };
    const [fnId] = arn['Fn::GetAtt'];
    const [, permission] = onlyResource(template, 'AWS::Lambda::Permission', {
      Properties: { FunctionName: getAtt(fnId, 'Arn') },
    });
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(fnId, 'Arn'),
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '123456789012',
      SourceArn: { Ref: secretId },
    });
  });

  it('the example app rotates its consumer token with its own function', () => {
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
