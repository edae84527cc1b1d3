// Another team's CDK app with tokengate installed from npm (or a tarball): its own REST API and
// HTTP API, each route behind the token authorizer. Which scope a route needs follows from its path
// (tokengate's scope catalogue): /scim/v2/* needs identity:manage, GET /repos/{repo}/* repos:read.
import { App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { TokenGate } from 'tokengate';

class PackagesStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const gate = new TokenGate(this, 'Tokens', { authorizerCacheTtl: Duration.seconds(30) });

    // The team's own service: it sees who called in what the authorizer passed on.
    const backend = new LambdaFunction(this, 'Backend', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline(
        'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });',
      ),
    });

    // A REST API: SCIM provisioning needs a token with identity:manage.
    const api = new RestApi(this, 'PackagesApi', { description: 'packages REST API' });
    const integration = new LambdaIntegration(backend);
    api.root
      .addResource('scim')
      .addResource('v2')
      .addProxy({ defaultIntegration: integration, defaultMethodOptions: { authorizer: gate.authorizer } });

    // An HTTP API: downloads need a token with repos:read for that repository.
    const httpApi = new HttpApi(this, 'PackagesHttpApi', { description: 'packages HTTP API' });
    httpApi.addRoutes({
      path: '/repos/{proxy+}',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('Backend', backend),
      authorizer: gate.httpAuthorizer,
    });
  }
}

const app = new App();
// A fixed account and region: synth needs no AWS credentials.
new PackagesStack(app, 'Packages', { env: { account: '123456789012', region: 'eu-west-1' } });
