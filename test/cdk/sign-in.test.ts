// How people sign in, as the template carries it: by default a Cognito user pool with the admin group,
// a hosted sign-in domain and the console's public app client (authorization code, PKCE, no secret,
// back to the console); with `identityProvider`, an existing issuer and no user pool. Either way the
// authorizer and the functions that check their own token are told the issuer.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { lambdaFunction, onlyResource, unbundledApp } from './template';

function gateStack(props: TokenGateProps = {}): { gate: TokenGate; template: Template } {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens', props);
  return { gate, template: Template.fromStack(stack) };
}

type Env = Record<string, unknown>;
const envOf = (template: Template, name: string) =>
  (lambdaFunction(template, name)[1].Properties.Environment as { Variables: Env }).Variables;

describe('people sign-in by default: a Cognito user pool', () => {
  const { gate, template } = gateStack();

  it('makes a user pool nobody signs up to alone, with MFA required and a strong password policy', () => {
    const [, pool] = onlyResource(template, 'AWS::Cognito::UserPool', {});
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UsernameAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('with the group tokengate-admins and a hosted sign-in domain', () => {
    onlyResource(template, 'AWS::Cognito::UserPoolGroup', { Properties: { GroupName: 'tokengate-admins' } });
    onlyResource(template, 'AWS::Cognito::UserPoolDomain', {});
  });

  it("and the console's public app client: authorization code, no secret, back to the console", () => {
    const [, client] = onlyResource(template, 'AWS::Cognito::UserPoolClient', {
      Properties: { ClientName: 'tokengate-console' },
    });
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    const [distributionId] = onlyResource(template, 'AWS::CloudFront::Distribution', {});
    const back = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };
    expect(client.Properties.CallbackURLs).toEqual([back]);
    expect(client.Properties.LogoutURLs).toEqual([back]);
  });

  it('tells the authorizer and the Connect functions the pool, its client, cognito:groups and the group', () => {
    const [poolId] = onlyResource(template, 'AWS::Cognito::UserPool', {});
    const [clientId] = onlyResource(template, 'AWS::Cognito::UserPoolClient', {});
    for (const name of ['Authorizer', 'CreateServiceToken', 'DeleteServiceToken']) {
      expect(envOf(template, name)).toMatchObject({
        TOKENGATE_OIDC_ISSUER: { 'Fn::GetAtt': [poolId, 'ProviderURL'] },
        TOKENGATE_OIDC_CLIENT_ID: { Ref: clientId },
        TOKENGATE_OIDC_GROUPS_CLAIM: 'cognito:groups',
        TOKENGATE_OIDC_ADMIN_GROUP: 'tokengate-admins',
      });
    }
    // The token API's own functions never verify a caller: API Gateway's authorizer did.
    expect(envOf(template, 'CreateToken')).not.toHaveProperty('TOKENGATE_OIDC_ISSUER');
    expect(gate.signIn?.groupsClaim).toBe('cognito:groups');
    expect(gate.userPool).toBeDefined();
  });
});

describe('people sign-in with an existing issuer (identityProvider)', () => {
  const identityProvider = {
    issuer: 'https://example.okta.com/oauth2/default',
    clientId: '0oa1b2c3d4e5f6g7h8i9',
    groupsClaim: 'groups',
    adminGroup: 'platform-admins',
  };
  const { gate, template } = gateStack({ identityProvider });

  it('makes no user pool', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    expect(gate.userPool).toBeUndefined();
  });

  it("passes the issuer's settings to the authorizer as given", () => {
    expect(envOf(template, 'Authorizer')).toMatchObject({
      TOKENGATE_OIDC_ISSUER: 'https://example.okta.com/oauth2/default',
      TOKENGATE_OIDC_CLIENT_ID: '0oa1b2c3d4e5f6g7h8i9',
      TOKENGATE_OIDC_GROUPS_CLAIM: 'groups',
      TOKENGATE_OIDC_ADMIN_GROUP: 'platform-admins',
    });
  });

  it('defaults the groups claim to groups and the admin group to tokengate-admins', () => {
    const { template: defaults } = gateStack({
      identityProvider: { issuer: 'https://login.example.com', clientId: 'abc' },
    });
    expect(envOf(defaults, 'Authorizer')).toMatchObject({
      TOKENGATE_OIDC_GROUPS_CLAIM: 'groups',
      TOKENGATE_OIDC_ADMIN_GROUP: 'tokengate-admins',
    });
  });
});

describe('no people sign-in', () => {
  it('without the console and without an issuer: no user pool, and the authorizer told nothing', () => {
    const { gate, template } = gateStack({ console: false });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(envOf(template, 'Authorizer')).not.toHaveProperty('TOKENGATE_OIDC_ISSUER');
    expect(gate.signIn).toBeUndefined();
  });
});
