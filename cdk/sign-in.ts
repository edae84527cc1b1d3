// Who people sign in with: the Cognito user pool a TokenGate makes by default (an admin group, a
// hosted sign-in domain, a public app client for the console: authorization code with PKCE), or an
// existing OpenID Connect issuer given as `identityProvider`. Either way the authorizer and the
// Connect functions are told the issuer, the client id, the groups claim and the admin group.
import { Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { COGNITO_GROUPS_CLAIM, DEFAULT_ADMIN_GROUP, isCognitoIssuer } from '#domain/people';
import { suppressNagRules } from './nag-suppressions';

/** An existing OpenID Connect issuer people sign in with, in place of the user pool a TokenGate makes. */
export interface TokenGateIdentityProvider {
  /** The issuer's URL, exactly as the `iss` claim of its ID tokens spells it (HTTPS). */
  readonly issuer: string;
  /** The console's client id at the issuer (a public client: authorization code with PKCE, no secret). */
  readonly clientId: string;
  /**
   * The ID token claim that lists a person's groups.
   * @default 'cognito:groups' for a Cognito issuer, else 'groups'
   */
  readonly groupsClaim?: string;
  /**
   * The group whose members manage tokens.
   * @default 'tokengate-admins'
   */
  readonly adminGroup?: string;
}

export interface TokenGateUserPoolProps {
  /** Where the console is served: the sign-in comes back to it (its URL, with a trailing `/`). */
  readonly consoleUrl: () => string;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Cognito user pool people sign in with: no self sign-up (an administrator invites people), email
 * as the user name, MFA with an authenticator app required, the group `tokengate-admins`, a hosted
 * sign-in domain, and the console's app client.
 */
export class TokenGateUserPool extends Construct {
  readonly userPool: UserPool;
  /** The group whose members manage tokens. */
  readonly adminGroup: string = DEFAULT_ADMIN_GROUP;
  readonly domain: UserPoolDomain;
  readonly client: UserPoolClient;
  /** The issuer of the pool's ID tokens. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: TokenGateUserPoolProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) !== RemovalPolicy.DESTROY,
    });
    new CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: this.adminGroup,
      description: 'tokengate: members manage tokens in the console and through the API',
    });
    // A prefix unique to this pool in its account: Cognito domains are global per region.
    const prefix = `${Names.uniqueResourceName(this, { maxLength: 36, separator: '-' }).toLowerCase()}`;
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: `${prefix.replace(/[^a-z0-9-]/g, '')}-${Stack.of(this).account}` },
    });
    const consoleUrl = Lazy.string({ produce: props.consoleUrl });
    this.client = this.userPool.addClient('Console', {
      userPoolClientName: 'tokengate-console',
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
    this.issuer = this.userPool.userPoolProviderUrl;
    suppressNagRules(this.userPool, [
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per user; MFA is required and there is no ' +
          'self sign-up. A deployment that wants it sets it on gate.userPool.userPool.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason:
          'Threat protection (advanced security) needs the Plus feature plan, billed per user; MFA is ' +
          'required and there is no self sign-up. A deployment that wants it sets it on gate.userPool.userPool.',
      },
    ]);
  }
}

/** What the authorizer is told of the issuer: the four settings the functions read. */
export interface SignInSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly groupsClaim: string;
  readonly adminGroup: string;
}

export function settingsOf(provider: TokenGateIdentityProvider): SignInSettings {
  return {
    issuer: provider.issuer,
    clientId: provider.clientId,
    groupsClaim: provider.groupsClaim ?? (isCognitoIssuer(provider.issuer) ? COGNITO_GROUPS_CLAIM : 'groups'),
    adminGroup: provider.adminGroup ?? DEFAULT_ADMIN_GROUP,
  };
}
