// Another team's CDK app (CommonJS, as `cdk init app --language typescript` makes one) with
// tokengate installed from npm: TokenGate in a stack of its own with the team's scope catalogue and
// the web console (deployed by default), and the team's APIs in another stack, with the token
// authorizer on their routes and a rotated token for one of its services: the references between
// the two stacks are CloudFormation exports.
import { App, Aspects, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { RotatedToken, TokenGate } from 'tokengate';

/** The tokens of the team's APIs, with its scope catalogue. */
class TokensStack extends Stack {
  readonly gate: TokenGate;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.gate = new TokenGate(this, 'Tokens', {
      authorizerCacheTtl: Duration.seconds(30),
      scopes: {
        'orders:read': {
          label: 'Orders: Read',
          resources: true,
          grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
        },
        'orders:write': {
          label: 'Orders: Write',
          resources: true,
          grants: [{ methods: ['*'], path: '/orders/{resource}/*' }],
        },
        'reports:read': {
          label: 'Reports: Read',
          resources: false,
          grants: [{ methods: ['GET', 'HEAD'], path: '/reports/*' }],
        },
      },
    });
    // The AWS Solutions checks on tokengate's resources: any finding stops the synth.
    Aspects.of(this.gate).add(new AwsSolutionsChecks());
    // The web console, on CloudFront with the token API on the same origin.
    if (this.gate.console) new CfnOutput(this, 'ConsoleUrl', { value: this.gate.console.url });
  }
}

interface OrdersStackProps extends StackProps {
  readonly gate: TokenGate;
}

class OrdersStack extends Stack {
  constructor(scope: Construct, id: string, props: OrdersStackProps) {
    super(scope, id, props);
    const { gate } = props;
    const backend = new LambdaFunction(this, 'Backend', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline(
        'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });',
      ),
    });

    // A REST API: /orders/{id}/... needs orders:read (GET) or orders:write naming that order.
    const api = new RestApi(this, 'OrdersApi', { description: 'orders REST API' });
    api.root
      .addResource('orders')
      .addResource('{id}')
      .addProxy({
        defaultIntegration: new LambdaIntegration(backend),
        defaultMethodOptions: { authorizer: gate.authorizer },
      });

    // An HTTP API: reports need reports:read.
    const httpApi = new HttpApi(this, 'OrdersHttpApi', { description: 'orders HTTP API' });
    httpApi.addRoutes({
      path: '/reports/{proxy+}',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('Backend', backend),
      authorizer: gate.httpAuthorizer,
    });

    // The warehouse sync reads every order with a token of its own, kept in this stack and rotated
    // every 30 days by a function beside it.
    const sync = new LambdaFunction(this, 'WarehouseSync', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => undefined;'),
    });
    const syncToken = new RotatedToken(this, 'WarehouseSyncToken', {
      tokenGate: gate,
      description: 'warehouse sync',
      scopes: [{ scope: 'orders:read', resources: ['*'] }],
    });
    Aspects.of(syncToken).add(new AwsSolutionsChecks());
    syncToken.grantRead(sync);
    sync.addEnvironment('TOKEN_SECRET_ARN', syncToken.secret.secretArn);
  }
}

const app = new App();
// A fixed account and region: synth needs no AWS credentials.
const env = { account: '123456789012', region: 'eu-west-1' };
const tokens = new TokensStack(app, 'OrdersTokens', { env });
new OrdersStack(app, 'Orders', { env, gate: tokens.gate });
