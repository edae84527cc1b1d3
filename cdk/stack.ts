// The tokengate deployment: the TokenGate construct, and the example protected API below the paths
// of the deployment's scope catalogue, which uses the authorizer exactly as another team's API would.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { routesFor } from '#spec/routes';
import { type Catalogue, DEFAULT_CATALOGUE } from '#spec/scopes';
import type { TokenGateConsole } from './console';
import { functionsByName, TokenGateFunction } from './function';
import { bindNeeds } from './grants';
import { addRoutes, TokenGateRestApi } from './rest-api';
import { RotatedToken, type RotatedTokenScope } from './rotated-token';
import { TokenGate, type TokenGateProps } from './token-gate';

export interface TokenGateStackProps extends StackProps {
  /**
   * Passed to the `TokenGate` construct; unless it says otherwise (`cloudWatchRole: false`), this
   * stack sets up the account's logging role for API Gateway (`cloudWatchRole: true`). Its `console`
   * says how the web console is served, or leaves it out.
   */
  readonly tokenGate?: TokenGateProps;
}

/**
 * What the example API's consumer holds: `repos:read` on every repository with the default catalogue,
 * else the first scope of the deployment's own (on every resource, when it names them).
 */
function exampleConsumerScope(catalogue: Catalogue): RotatedTokenScope {
  if (catalogue === DEFAULT_CATALOGUE) return { scope: 'repos:read', resources: ['*'] };
  const [name, scope] = Object.entries(catalogue)[0] ?? [];
  if (!name || !scope)
    throw new Error('TokenGateStack: the scope catalogue is empty: the example protected API needs a scope');
  return scope.resources ? { scope: name, resources: ['*'] } : { scope: name };
}

export class TokenGateStack extends Stack {
  readonly tokenGate: TokenGate;
  /**
   * The example protected API: the echo function below every path the deployment's catalogue
   * (`tokenGate.scopes`) grants, the `scoped` routes of its route table.
   */
  readonly exampleApi: TokenGateRestApi;
  /** The example API's consumer's token, in a secret rotated every 30 days. */
  readonly exampleConsumerToken: RotatedToken;
  /** The gate's web console (`tokenGate.console`), unless `tokenGate.console` is false. */
  readonly console?: TokenGateConsole;

  constructor(scope: Construct, id: string, props: TokenGateStackProps = {}) {
    const { tokenGate: tokenGateProps, ...stackProps } = props;
    super(scope, id, stackProps);
    // The deployment stands alone: it sets up the account's logging role its stages need.
    this.tokenGate = new TokenGate(this, 'Tokens', {
      ...tokenGateProps,
      cloudWatchRole: tokenGateProps?.cloudWatchRole ?? true,
    });
    const { api } = this.tokenGate;
    if (!api)
      throw new Error(`TokenGateStack ${id}: the deployment serves its management API (managementApi)`);

    this.exampleApi = new TokenGateRestApi(this, 'ExampleApi', {
      description: 'tokengate: example protected API (echoes what the authorizer passed on)',
      cloudWatchRole: false, // the management API sets up the account's logging role...
      encryptionKey: this.tokenGate.encryptionKey,
    });
    // ...which the stage's execution logging needs before it can be created.
    for (const account of api.node.findAll().filter((c) => c instanceof CfnAccount)) {
      this.exampleApi.deploymentStage.node.addDependency(account);
    }
    this.tokenGate.addGatewayResponses(this.exampleApi);
    // Its requests count in each token's usage, as the management API's do.
    this.tokenGate.recordUsageOf(this.exampleApi.accessLogs);

    const exampleRoutes = routesFor(this.tokenGate.scopes).filter((route) => route.access === 'scoped');
    const exampleFunctions = functionsByName(exampleRoutes, (definition) => {
      const fn = new TokenGateFunction(this, definition.name, {
        definition,
        encryptionKey: this.tokenGate.encryptionKey,
      });
      bindNeeds(fn, definition.needs, this.tokenGate);
      return fn;
    });
    addRoutes(
      this.exampleApi,
      exampleRoutes,
      this.tokenGate.requestAuthorizer(this, 'ExampleAuthorizer'),
      exampleFunctions,
    );

    // What a service calling the example API holds: grant its role `exampleConsumerToken.grantRead`.
    this.exampleConsumerToken = new RotatedToken(this, 'ExampleConsumerToken', {
      tokenGate: this.tokenGate,
      description: 'Example API consumer',
      scopes: [exampleConsumerScope(this.tokenGate.scopes)],
    });

    this.console = this.tokenGate.console;
    if (this.console) {
      new CfnOutput(this, 'ConsoleUrl', {
        description: 'Web console (sign in with a global:admin token); the API is on the same origin',
        value: this.console.url,
      });
    }
    new CfnOutput(this, 'ApiUrl', { description: 'Token management API', value: api.url });
    new CfnOutput(this, 'ExampleApiUrl', {
      description: 'Example protected API',
      value: this.exampleApi.url,
    });
    new CfnOutput(this, 'TokensTableName', { value: this.tokenGate.tokensTable.tableName });
    new CfnOutput(this, 'AuditTableName', { value: this.tokenGate.auditTable.tableName });
    new CfnOutput(this, 'SearchTableName', { value: this.tokenGate.searchTable.tableName });
    new CfnOutput(this, 'AuditFailureQueueUrl', {
      description: 'Stream records the audit consumer gave up on (replay them within 24 hours)',
      value: this.tokenGate.auditStream.failureQueue.queueUrl,
    });
    new CfnOutput(this, 'KeySecretArn', { value: this.tokenGate.keySecret.secretArn });
    new CfnOutput(this, 'ExampleConsumerTokenSecretArn', {
      description: 'The example API consumer\'s token, {"token_id", "token"}, rotated every 30 days',
      value: this.exampleConsumerToken.secret.secretArn,
    });
  }
}
