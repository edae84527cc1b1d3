// A REST API with the logging every tokengate API has, and the wiring from the route table to it.
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RestApi,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ACCESS_LOG_FORMAT } from '#spec/access-log';
import { checksOwnToken } from '#spec/functions';
import { methodsOf, type Route } from '#spec/routes';
import { type TokenGateFirewallProps, TokenGateWebAcl } from './firewall';
import { suppressNagRules } from './nag-suppressions';

/** A custom domain name and the ACM certificate that covers it. */
export interface TokenGateDomainProps {
  /** The host name, e.g. `tokens.example.com`; its DNS record is yours to create. */
  readonly domainName: string;
  readonly certificate: ICertificate;
}

export interface TokenGateRestApiProps {
  readonly description: string;
  /**
   * The API's name: API Gateway's metrics (`ApiName`) are keyed by it, so two APIs of one name in an
   * account and region share their figures. @default the construct's id
   */
  readonly restApiName?: string;
  /**
   * Create the account-wide role API Gateway writes execution and access logs with (an
   * `AWS::ApiGateway::Account` and its role). An account has one per region; leave it false when
   * another stack or API already manages it. Without one, deploying the stage fails with
   * "CloudWatch Logs role ARN must be set in account settings to enable logging".
   * @default false
   */
  readonly cloudWatchRole?: boolean;
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
  /**
   * The customer-managed KMS key the access log group is encrypted with; its key policy must let
   * CloudWatch Logs use it. @default CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: IKey;
  /** Routes with a `throttle` of their own get it as a stage method setting. @default none */
  readonly routes?: Route[];
  /**
   * A custom domain for the API: a regional API Gateway domain name with the TLS 1.2 security
   * policy, mapped at its root to the API's stage. The certificate must be in the API's region.
   * @default none: the API answers at its execute-api URL only
   */
  readonly domain?: TokenGateDomainProps;
  /**
   * An AWS WAF web ACL (`TokenGateWebAcl`, scope REGIONAL) on the API's stage: a rate limit per
   * client IP and AWS's common managed rules.
   * @default no web ACL
   */
  readonly firewall?: TokenGateFirewallProps;
}

// Who called what, what the authorizer decided and how long each part took (ACCESS_LOG_FORMAT).
const ACCESS_LOG = AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT));

/**
 * A regional REST API with JSON access logs (kept on stack deletion: they say who called), error-level
 * execution logs without request data, and X-Ray tracing. The access log group is created beside the
 * API (id `<id>AccessLogs`) because the stage needs it when the API is created.
 */
/**
 * The management API's one stage. Named here, not read back from the stage, so that the console's
 * distribution can address the API without waiting for its deployment: the people sign-in's app
 * client (whose callback is the distribution) would otherwise close a loop through the functions.
 */
export const API_STAGE_NAME = 'prod';

export class TokenGateRestApi extends RestApi {
  readonly accessLogs: LogGroup;
  /** The web ACL on the stage, when `firewall` was given. */
  readonly webAcl?: TokenGateWebAcl;

  constructor(scope: Construct, id: string, props: TokenGateRestApiProps) {
    const accessLogs = new LogGroup(scope, `${id}AccessLogs`, {
      retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
      encryptionKey: props.encryptionKey,
    });
    const cloudWatchRole = props.cloudWatchRole ?? false;
    super(scope, id, {
      description: props.description,
      restApiName: props.restApiName,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole,
      domainName: props.domain && {
        domainName: props.domain.domainName,
        certificate: props.domain.certificate,
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
      },
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false, // would log whole requests, Authorization headers included
        tracingEnabled: true,
        methodOptions: Object.fromEntries(
          (props.routes ?? []).flatMap((route) =>
            route.throttle
              ? [
                  [
                    `${route.path}/${route.method}`,
                    {
                      throttlingRateLimit: route.throttle.rateLimit,
                      throttlingBurstLimit: route.throttle.burstLimit,
                    },
                  ],
                ]
              : [],
          ),
        ),
      },
    });
    this.accessLogs = accessLogs;
    if (props.firewall) {
      this.webAcl = new TokenGateWebAcl(this, 'WebAcl', { ...props.firewall, scope: 'REGIONAL' });
      new CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: this.deploymentStage.stageArn,
        webAclArn: this.webAcl.webAclArn,
      });
    }

    suppressNagRules(this, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Every handler validates its parameters and body (zod, shared/) and answers in the error shape of ' +
          'the API contract; an API Gateway validator would answer first, in a shape of its own.',
      },
    ]);
    if (!props.firewall) {
      suppressNagRules(this, [
        {
          id: 'AwsSolutions-APIG3',
          reason:
            'WAF is optional (the firewall prop): a web ACL costs money and its rules depend on the traffic; ' +
            'every method but the public ones already needs a valid token.',
        },
      ]);
    }
    if (cloudWatchRole) {
      suppressNagRules(this, [
        {
          id: 'AwsSolutions-IAM4',
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
          ],
          reason:
            'The account-wide role API Gateway needs for execution logs; AWS maintains this policy for exactly that.',
        },
      ]);
    }
  }
}

const TOKEN_AUTHORIZER_REASON =
  'tokengate is the authorization: a Lambda token authorizer checks each scoped API token; Cognito is not used by design.';

/**
 * Adds each route to `api`, served by `functions[route.fn.name]`: public routes without
 * authorization, the routes of a function that checks its caller's token itself (`checksOwnToken`:
 * the Connect routes, whose refusals API Gateway could only give in the native shape) without an API
 * Gateway authorizer, all others behind `authorizer`. A GET route is added as HEAD too (`methodsOf`),
 * the same function answering both: API Gateway sends a HEAD answer without its body.
 */
export function addRoutes(
  api: RestApi,
  routes: Route[],
  authorizer: IAuthorizer,
  functions: { readonly [name: string]: IFunction },
): Method[] {
  return routes.flatMap((route) => {
    const fn = functions[route.fn.name];
    if (!fn)
      throw new Error(
        `${api.node.path}: no function named ${route.fn.name} for ${route.method} ${route.path}`,
      );
    const integration = new LambdaIntegration(fn, { allowTestInvoke: false });
    const resource = api.root.resourceForPath(route.path);
    return methodsOf(route).map((httpMethod) => {
      if (route.access === 'public') {
        const method = resource.addMethod(httpMethod, integration, {
          authorizationType: AuthorizationType.NONE,
        });
        suppressNagRules(method, [
          {
            id: 'AwsSolutions-APIG4',
            reason: `${httpMethod} ${route.path} is public by the API contract (no token needed).`,
          },
          { id: 'AwsSolutions-COG4', reason: `${httpMethod} ${route.path} is public by the API contract.` },
        ]);
        return method;
      }
      if (checksOwnToken(route.fn)) {
        const method = resource.addMethod(httpMethod, integration, {
          authorizationType: AuthorizationType.NONE,
        });
        const reason =
          `${httpMethod} ${route.path} needs a token: its function makes the token authorizer's own ` +
          'decision in process (functions/commons/token-check.ts), so that its 401 and 403 come in the ' +
          "Connect error shape, which API Gateway's one gateway response per API could not give.";
        suppressNagRules(method, [
          { id: 'AwsSolutions-APIG4', reason },
          { id: 'AwsSolutions-COG4', reason: `${reason} ${TOKEN_AUTHORIZER_REASON}` },
        ]);
        return method;
      }
      const method = resource.addMethod(httpMethod, integration, {
        authorizationType: AuthorizationType.CUSTOM,
        authorizer,
      });
      suppressNagRules(method, [{ id: 'AwsSolutions-COG4', reason: TOKEN_AUTHORIZER_REASON }]);
      return method;
    });
  });
}
