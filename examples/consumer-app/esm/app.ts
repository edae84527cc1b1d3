// Another team's CDK app (ES modules) with tokengate installed from npm: its own scope catalogue,
// its own REST API and HTTP API with each route behind the token authorizer, a rotated token for
// one of its jobs, and the web console (the gate deploys it by default). Which scope a route needs
// follows from its path, as the catalogue says.
import { App, Aspects, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { type Catalogue, RotatedToken, TokenGate } from 'tokengate';

/** The team's scopes: what a token may do on its API, and which orders it names. */
const ORDERS_SCOPES: Catalogue = {
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
};

class OrdersStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const gate = new TokenGate(this, 'Tokens', {
      authorizerCacheTtl: Duration.seconds(30),
      scopes: ORDERS_SCOPES,
    });
    // The AWS Solutions checks on tokengate's part of the stack: any finding stops the synth.
    Aspects.of(gate).add(new AwsSolutionsChecks());
    // The web console, on CloudFront with the token API on the same origin.
    if (gate.console) new CfnOutput(this, 'ConsoleUrl', { value: gate.console.url });

    // The team's own service: it sees who called in what the authorizer passed on.
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

    // The nightly export reads reports with a token of its own, rotated every 30 days.
    const exporter = new LambdaFunction(this, 'ReportsExport', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => undefined;'),
    });
    const exportToken = new RotatedToken(this, 'ReportsExportToken', {
      tokenGate: gate,
      description: 'nightly reports export',
      scopes: [{ scope: 'reports:read' }],
    });
    Aspects.of(exportToken).add(new AwsSolutionsChecks());
    exportToken.grantRead(exporter);
    exporter.addEnvironment('TOKEN_SECRET_ARN', exportToken.secret.secretArn);
  }
}

const app = new App();
// A fixed account and region: synth needs no AWS credentials.
new OrdersStack(app, 'Orders', { env: { account: '123456789012', region: 'eu-west-1' } });
