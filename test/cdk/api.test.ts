import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { addRoutes } from '#cdk/rest-api';
import { TokenGate } from '#cdk/token-gate';
import { AUTHORIZER, checksOwnToken, FUNCTIONS } from '#spec/functions';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES, type Route, methodsOf as routeMethods } from '#spec/routes';
import {
  lambdaFunction,
  onlyResource,
  refTo,
  resourcePaths,
  restApi,
  synthStack,
  unbundledApp,
} from './template';

interface MethodView {
  route: string;
  authorizationType: unknown;
  authorizerId: unknown;
}

/** The methods of one RestApi, as `METHOD /path` with their authorization. */
function methodsOf(template: Template, apiId: string): MethodView[] {
  const paths = resourcePaths(template);
  const methods = template.findResources('AWS::ApiGateway::Method', {
    Properties: { RestApiId: refTo(apiId) },
  });
  return Object.values(methods).map(({ Properties: p }) => ({
    route: `${p.HttpMethod} ${paths.get(p.ResourceId.Ref) ?? '/'}`,
    authorizationType: p.AuthorizationType,
    authorizerId: p.AuthorizerId,
  }));
}

const routeKey = (route: Route) => `${route.method} ${route.path}`;

/** API Gateway caches a REST authorizer's answer under these: the token and the exact request. */
const REST_IDENTITY_SOURCE = 'method.request.header.Authorization,context.httpMethod,context.path';

describe('the management API', () => {
  const { template } = synthStack();
  const [apiId] = restApi(template, 'token management');
  const [authorizerId] = onlyResource(template, 'AWS::ApiGateway::Authorizer', {
    Properties: { RestApiId: refTo(apiId) },
  });
  const methods = methodsOf(template, apiId);

  it('serves every route of the route table except the example protected ones, each GET route as HEAD too', () => {
    const expected = ROUTES.filter((route) => route.access !== 'scoped').flatMap((route) =>
      routeMethods(route).map((method) => routeKey({ ...route, method })),
    );
    expect(methods.map((method) => method.route).sort()).toEqual(expected.sort());
    const served = methods.map((method) => method.route);
    expect(served).toEqual(
      expect.arrayContaining(['HEAD /v1/tokens', 'HEAD /openapi.json', 'HEAD /v1/whoami']),
    );
    expect(served).not.toContain('HEAD /v1/tokens/{id}/revoke');
  });

  it('asks the token authorizer on every route that is not public, but the Connect ones, whose functions check the token', () => {
    const ownCheck = ROUTES.filter(
      (r) => r.access !== 'public' && r.access !== 'scoped' && checksOwnToken(r.fn),
    );
    expect(ownCheck.map(routeKey).sort()).toEqual([
      'DELETE /__api__/v1/system/service-tokens/{guid}',
      'GET /__api__/v1/system/service-tokens',
      'GET /__api__/v1/system/service-tokens/scopes',
      'POST /__api__/v1/system/service-tokens',
    ]);
    for (const route of ROUTES.filter((r) => r.access !== 'scoped')) {
      for (const method of routeMethods(route)) {
        const key = routeKey({ ...route, method });
        expect(
          methods.find((m) => m.route === key),
          key,
        ).toEqual(
          route.access === 'public' || ownCheck.includes(route)
            ? { route: key, authorizationType: 'NONE', authorizerId: undefined }
            : { route: key, authorizationType: 'CUSTOM', authorizerId: refTo(authorizerId) },
        );
      }
    }
  });

  it('serves no route without the authorizer but through a function that checks the token itself, as the authorizer would', () => {
    // Their functions load the authorizer's decision (a handler without it refuses to start: see the
    // Connect handlers' integration tests), so they have what it reads: the key secret, the TTL.
    for (const route of ROUTES.filter((r) => r.access !== 'public' && checksOwnToken(r.fn))) {
      expect(route.fn.needs).toMatchObject({ hmacKey: true, authorizerCacheTtl: true, scopes: true });
      expect(route.fn.needs.tokens).toEqual(expect.arrayContaining(['GetItem', 'UpdateItem']));
      expect(route.fn.needs.updates).toContain('last_used_at');
    }
    const unprotected = methods.filter((m) => m.authorizationType === 'NONE').map((m) => m.route);
    expect(unprotected.sort()).toEqual(
      [
        'POST /v1/tokens/revoke',
        'GET /openapi.json',
        'HEAD /openapi.json',
        'POST /__api__/v1/system/service-tokens',
        'GET /__api__/v1/system/service-tokens',
        'HEAD /__api__/v1/system/service-tokens',
        'GET /__api__/v1/system/service-tokens/scopes',
        'HEAD /__api__/v1/system/service-tokens/scopes',
        'DELETE /__api__/v1/system/service-tokens/{guid}',
      ].sort(),
    );
  });

  it('serves each route with the function the route table names', () => {
    for (const route of ROUTES.filter((r) => r.access !== 'scoped')) {
      const [functionId] = lambdaFunction(template, route.fn.name);
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        RestApiId: refTo(apiId),
        HttpMethod: route.method,
        Integration: {
          Type: 'AWS_PROXY',
          Uri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionId, 'Arn'] }])] },
        },
      });
    }
  });
});

describe('the example protected API', () => {
  const { template } = synthStack();
  const [apiId] = restApi(template, 'example protected');
  const [authorizerId] = onlyResource(template, 'AWS::ApiGateway::Authorizer', {
    Properties: { RestApiId: refTo(apiId) },
  });
  const methods = methodsOf(template, apiId);

  it('is its own API, serving exactly the scoped routes behind its own token authorizer', () => {
    const scoped = ROUTES.filter((route) => route.access === 'scoped');
    expect(scoped.length).toBeGreaterThan(0);
    expect(methods).toHaveLength(scoped.length);
    for (const route of scoped) {
      expect(methods).toContainEqual({
        route: routeKey(route),
        authorizationType: 'CUSTOM',
        authorizerId: refTo(authorizerId),
      });
    }
  });

  it('is answered by the echo function', () => {
    const [echoId] = lambdaFunction(template, FUNCTIONS.echo.name);
    const methodsOfApi = template.findResources('AWS::ApiGateway::Method', {
      Properties: { RestApiId: refTo(apiId) },
    });
    for (const method of Object.values(methodsOfApi)) {
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(`"${echoId}"`);
    }
  });
});

describe('the public routes of the route table', () => {
  const { template } = synthStack();
  const publicRoutes = ROUTES.filter((route) => route.access === 'public');

  it('exist, so the check below checks something', () => {
    expect(publicRoutes.length).toBeGreaterThan(0);
  });

  it.each(publicRoutes.map(routeKey))(
    '%s is called without a token: no authorizer, authorization NONE',
    (key) => {
      const [apiId] = restApi(template, 'token management');
      expect(methodsOf(template, apiId)).toContainEqual({
        route: key,
        authorizationType: 'NONE',
        authorizerId: undefined,
      });
    },
  );
});

describe('the token authorizer', () => {
  it('is a REQUEST authorizer whose answers are cached per Authorization header, method and path, on both APIs', () => {
    const { template } = synthStack();
    const authorizers = template.findResources('AWS::ApiGateway::Authorizer');
    expect(Object.keys(authorizers)).toHaveLength(2);
    for (const { Properties: p } of Object.values(authorizers)) {
      expect(p.Type).toBe('REQUEST');
      expect(p.IdentitySource).toBe(REST_IDENTITY_SOURCE);
    }
  });

  it('tells the authorizer and the functions that create or rotate tokens the cache TTL, so no cached answer outlives a token and no grace ends before it', () => {
    const ttlOf = (template: Template, name: string) => {
      const [, fn] = lambdaFunction(template, name);
      return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .TOKENGATE_AUTHORIZER_CACHE_TTL;
    };
    const configured = synthStack({ tokenGate: { authorizerCacheTtl: Duration.seconds(5) } }).template;
    for (const name of [
      AUTHORIZER.name,
      'RotateToken',
      'RotateSelfToken',
      'TokenSecretRotation',
      'CreateToken',
    ]) {
      expect(ttlOf(synthStack().template, name), name).toBe('30');
      expect(ttlOf(configured, name), name).toBe('5');
    }
  });

  it('is the one authorizer function, on every API', () => {
    const { template } = synthStack();
    const [functionId] = lambdaFunction(template, AUTHORIZER.name);
    for (const { Properties: p } of Object.values(template.findResources('AWS::ApiGateway::Authorizer'))) {
      expect(JSON.stringify(p.AuthorizerUri)).toContain(`"${functionId}"`);
    }
  });

  it("the authorizer's answers are cached for 30 seconds unless configured", () => {
    const ttls = (template: Template) =>
      Object.values(template.findResources('AWS::ApiGateway::Authorizer')).map(
        (authorizer) => authorizer.Properties.AuthorizerResultTtlInSeconds,
      );
    expect(ttls(synthStack().template)).toEqual([30, 30]);
    const configured = synthStack({ tokenGate: { authorizerCacheTtl: Duration.seconds(5) } });
    expect(ttls(configured.template)).toEqual([5, 5]);
  });

  it("another team's REST API gets its own authorizer, with the same function, header and cache", () => {
    const stack = new Stack(unbundledApp(), 'OtherTeam');
    const gate = new TokenGate(stack, 'Tokens', { authorizerCacheTtl: Duration.seconds(10) });
    const theirs = new RestApi(stack, 'Theirs');
    theirs.root.addMethod('GET', new MockIntegration(), {
      authorizer: gate.requestAuthorizer(stack, 'Gate'),
    });
    const template = Template.fromStack(stack);

    const [apiId] = onlyResource(template, 'AWS::ApiGateway::RestApi', { Properties: { Name: 'Theirs' } });
    const [functionId] = lambdaFunction(template, AUTHORIZER.name);
    const [, authorizer] = onlyResource(template, 'AWS::ApiGateway::Authorizer', {
      Properties: { RestApiId: refTo(apiId) },
    });
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: REST_IDENTITY_SOURCE,
      AuthorizerResultTtlInSeconds: 10,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(`"${functionId}"`);
    // API Gateway may invoke the function for their API's authorizer.
    const permissions = template.findResources('AWS::Lambda::Permission', {
      Properties: { FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] } },
    });
    const sources = Object.values(permissions).map((p) => JSON.stringify(p.Properties.SourceArn));
    expect(sources.some((source) => source.includes(`"${apiId}"`) && source.includes('/authorizers/'))).toBe(
      true,
    );
  });

  it('gate.authorizer serves several REST APIs, each with an authorizer of its own', () => {
    const stack = new Stack(unbundledApp(), 'TwoApis');
    const gate = new TokenGate(stack, 'Tokens');
    const apis = ['Packages', 'Scim'].map((name) => new RestApi(stack, name));
    for (const api of apis) {
      api.root.addResource('scim').addMethod('GET', new MockIntegration(), { authorizer: gate.authorizer });
      api.root.addResource('repos').addProxy({ defaultMethodOptions: { authorizer: gate.authorizer } });
    }
    const template = Template.fromStack(stack);

    const [functionId] = lambdaFunction(template, AUTHORIZER.name);
    for (const name of ['Packages', 'Scim']) {
      const [apiId] = onlyResource(template, 'AWS::ApiGateway::RestApi', { Properties: { Name: name } });
      const [authorizerId, authorizer] = onlyResource(template, 'AWS::ApiGateway::Authorizer', {
        Properties: { RestApiId: refTo(apiId) },
      });
      expect(authorizer.Properties).toMatchObject({ Type: 'REQUEST', IdentitySource: REST_IDENTITY_SOURCE });
      expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(`"${functionId}"`);
      const methods = methodsOf(template, apiId);
      expect(methods.map((method) => method.route).sort()).toEqual(['ANY /repos/{proxy+}', 'GET /scim']);
      for (const method of methods) {
        expect(method).toMatchObject({ authorizationType: 'CUSTOM', authorizerId: refTo(authorizerId) });
      }
    }
    // The management API keeps its own authorizer; the two APIs' make three in all.
    expect(Object.keys(template.findResources('AWS::ApiGateway::Authorizer'))).toHaveLength(3);
  });

  it('gate.authorizer serves a REST API in a stack of its own without a dependency cycle', () => {
    const app = unbundledApp();
    const gate = new TokenGate(new Stack(app, 'Gate'), 'Tokens');
    const team = new Stack(app, 'Team');
    const theirs = new RestApi(team, 'Theirs');
    theirs.root.addMethod('GET', new MockIntegration(), { authorizer: gate.authorizer });

    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(team);
    const [apiId] = onlyResource(template, 'AWS::ApiGateway::RestApi', { Properties: { Name: 'Theirs' } });
    const [authorizerId] = onlyResource(template, 'AWS::ApiGateway::Authorizer', {
      Properties: { RestApiId: refTo(apiId) },
    });
    expect(methodsOf(template, apiId)).toEqual([
      { route: 'GET /', authorizationType: 'CUSTOM', authorizerId: refTo(authorizerId) },
    ]);
  });

  it('addRoutes takes the functions by name, and names a route whose function is missing', () => {
    const stack = new Stack(unbundledApp(), 'Routes');
    const gate = new TokenGate(stack, 'Tokens', { managementApi: false });
    const api = new RestApi(stack, 'Api');
    const routes = ROUTES.filter((route) => route.fn.name === 'OpenApiDocument');
    expect(routes.length).toBeGreaterThan(0);
    expect(() => addRoutes(api, routes, gate.authorizer, {})).toThrow(
      `Routes/Api: no function named OpenApiDocument for ${routes[0]?.method} ${routes[0]?.path}`,
    );
    const methods = addRoutes(api, routes, gate.authorizer, { OpenApiDocument: gate.authorizerFunction });
    expect(methods.map((method) => method.httpMethod).sort()).toEqual(['GET', 'HEAD']);
  });

  it('gate.httpAuthorizer serves several HTTP APIs, each with an authorizer of its own', () => {
    const stack = new Stack(unbundledApp(), 'TwoHttpApis');
    const gate = new TokenGate(stack, 'Tokens');
    const backend = new LambdaFunction(stack, 'Backend', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
    const apis = ['Packages', 'Scim'].map((name) => new HttpApi(stack, name));
    for (const api of apis) {
      const integration = new HttpLambdaIntegration(`${api.node.id}Backend`, backend); // one per API
      for (const path of ['/repos/{proxy+}', '/scim/v2/{proxy+}']) {
        api.addRoutes({ path, methods: [HttpMethod.GET], integration, authorizer: gate.httpAuthorizer });
      }
    }
    const template = Template.fromStack(stack);

    for (const name of ['Packages', 'Scim']) {
      const [apiId] = onlyResource(template, 'AWS::ApiGatewayV2::Api', { Properties: { Name: name } });
      const [authorizerId] = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer', {
        Properties: { ApiId: refTo(apiId), EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 0 },
      });
      const routes = template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { ApiId: refTo(apiId) },
      });
      expect(Object.values(routes).map((route) => route.Properties.AuthorizerId)).toEqual([
        refTo(authorizerId),
        refTo(authorizerId),
      ]);
    }
  });

  it("another team's REST API in a stack of its own can use the authorizer without a dependency cycle", () => {
    const app = unbundledApp();
    const gate = new TokenGate(new Stack(app, 'Gate'), 'Tokens');
    const team = new Stack(app, 'Team');
    const theirs = new RestApi(team, 'Theirs');
    theirs.root.addMethod('GET', new MockIntegration(), { authorizer: gate.requestAuthorizer(team, 'Gate') });

    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(team);
    const [apiId] = onlyResource(template, 'AWS::ApiGateway::RestApi', { Properties: { Name: 'Theirs' } });
    const [, permission] = onlyResource(template, 'AWS::Lambda::Permission', {
      Properties: { Principal: 'apigateway.amazonaws.com' },
    });
    expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`"${apiId}"`);
    expect(JSON.stringify(permission.Properties.FunctionName)).toContain('Fn::ImportValue');
  });

  it('answers HTTP APIs with simple responses, not cached by API Gateway (a route key is no path)', () => {
    const stack = new Stack(unbundledApp(), 'HttpTeam');
    const gate = new TokenGate(stack, 'Tokens');
    const backend = new LambdaFunction(stack, 'Backend', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
    const api = new HttpApi(stack, 'Theirs');
    api.addRoutes({
      path: '/repos/{proxy+}',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('Backend', backend),
      authorizer: gate.httpAuthorizer,
    });
    const template = Template.fromStack(stack);

    const [functionId] = lambdaFunction(template, AUTHORIZER.name);
    const [, authorizer] = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer', {});
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(`"${functionId}"`);
  });
});

describe("API Gateway's own refusals", () => {
  const { template } = synthStack();

  it.each([
    [401, 'UNAUTHORIZED'],
    [403, 'ACCESS_DENIED'],
    [429, 'THROTTLED'],
    [500, 'AUTHORIZER_FAILURE'],
    [500, 'AUTHORIZER_CONFIGURATION_ERROR'],
  ] as const)('answer %i (%s) with the JSON error body of the route table, on both APIs', (status, type) => {
    for (const description of ['token management', 'example protected']) {
      const [apiId] = restApi(template, description);
      const [, response] = onlyResource(template, 'AWS::ApiGateway::GatewayResponse', {
        Properties: { RestApiId: refTo(apiId), ResponseType: type },
      });
      expect(response.Properties.StatusCode).toBe(String(status));
      expect(response.Properties.ResponseParameters).toEqual({
        'gatewayresponse.header.Content-Type': "'application/json'",
      });
      const templates = response.Properties.ResponseTemplates as Record<string, string>;
      expect(JSON.parse(templates['application/json'] ?? '')).toEqual(GATEWAY_RESPONSES[status]);
    }
  });
});

describe('API stages', () => {
  const { template } = synthStack();
  const stages = Object.values(template.findResources('AWS::ApiGateway::Stage'));

  it('write JSON access logs naming the token principal, but no header', () => {
    expect(stages).toHaveLength(2);
    for (const stage of stages) {
      const settings = stage.Properties.AccessLogSetting as { DestinationArn: unknown; Format: string };
      // The ARN of a log group of this stack.
      expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      const [logGroup] = (settings.DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(template.toJSON().Resources[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
      const format = JSON.parse(settings.Format);
      expect(format).toMatchObject({
        principal: '$context.authorizer.principalId',
        status: '$context.status',
      });
      expect(settings.Format).not.toMatch(/header|authorization/i);
    }
  });

  it('log execution errors for every method, never request and response data', () => {
    for (const stage of stages) {
      expect(stage.Properties.MethodSettings).toContainEqual({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      });
      const tracing = (stage.Properties.MethodSettings as { DataTraceEnabled?: boolean }[]).filter(
        (setting) => setting.DataTraceEnabled === true,
      );
      expect(tracing).toEqual([]);
    }
  });

  it.each(ROUTES.filter((route) => route.throttle).map((route) => [routeKey(route), route] as const))(
    'throttle %s as the route table says, on the stage of the management API',
    (_key, route) => {
      const settings = stages.flatMap(
        (stage) => stage.Properties.MethodSettings as Record<string, unknown>[],
      );
      expect(settings).toContainEqual(
        expect.objectContaining({
          HttpMethod: route.method,
          ResourcePath: `/${route.path.replaceAll('/', '~1')}`,
          ThrottlingRateLimit: route.throttle?.rateLimit,
          ThrottlingBurstLimit: route.throttle?.burstLimit,
        }),
      );
    },
  );

  it('only start once the account can deliver execution logs', () => {
    const [accountId] = onlyResource(template, 'AWS::ApiGateway::Account', {});
    for (const stage of stages) expect(stage.DependsOn).toContain(accountId);
  });
});
