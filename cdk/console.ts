// The web console in AWS: its built files in a private S3 bucket behind CloudFront (origin access
// control), with the management API on the same origin, so the console calls it with no CORS. The
// API's paths go to API Gateway uncached, every request header (Authorization too) passed on; every
// answer gets the console's security headers (shared/spec/console.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AssetHashType, Aws, DockerImage, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, type ISource, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import {
  CONSOLE_CONFIG_PATH,
  CONSOLE_COOP,
  CONSOLE_CSP,
  CONSOLE_HSTS_SECONDS,
  type ConsoleConfig,
} from '#spec/console';
import { DEFAULT_EXPIRY_WARNING_DAYS } from '#spec/defaults';
import { type TokenGateFirewallProps, TokenGateWebAcl } from './firewall';
import { PREBUILT_ROOT, PROJECT_ROOT } from './function';
import { suppressNagRules } from './nag-suppressions';
import { API_STAGE_NAME, type TokenGateDomainProps } from './rest-api';

/** The API paths CloudFront sends to API Gateway; everything else is the console's files. */
export const CONSOLE_API_PATHS = ['/v1/*', '/__api__/*', '/openapi.json'] as const;

/**
 * Where the published package keeps the built console (`npm pack` writes it: scripts/build-package.ts):
 * `console/` beside the functions' pre-built code, `dist/console/`. A checkout has no such folder, so
 * it always deploys the build of its current sources.
 */
export const PREBUILT_CONSOLE = join(dirname(PREBUILT_ROOT), 'console');

/**
 * The console's files: the package's pre-built copy when there is one (no Vite at synth), else the
 * build of web/ (`ensureConsoleBuild()` of web/build.ts, run at synth in a child process, since a
 * construct cannot wait for Vite; skipped, as the functions' bundling is, for stacks the CDK does
 * not bundle, such as in `cdk list` or tests).
 */
export function consoleFiles(prebuilt: string = PREBUILT_CONSOLE): ISource {
  if (existsSync(join(prebuilt, 'index.html'))) return Source.asset(prebuilt);
  return Source.asset(join(PROJECT_ROOT, 'web'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('dummy'), // never used: local bundling always succeeds or throws
      command: ['vite', 'build', 'web'],
      local: {
        tryBundle(outputDir: string): boolean {
          cpSync(buildConsole(), outputDir, { recursive: true });
          return true;
        },
      },
    },
  });
}

/** The folder of an up-to-date build of web/, which scripts/build-console.ts prints last. */
function buildConsole(): string {
  const printed = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/build-console.ts')],
    { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const dir = printed.trim().split('\n').at(-1) ?? '';
  if (!existsSync(join(dir, 'index.html')))
    throw new Error(`The console's build printed no folder holding index.html: ${printed}`);
  return dir;
}

/** How the console is served: everything but what it serves. */
export interface TokenGateConsoleOptions {
  /**
   * Days CloudFront's and S3's access logs are kept.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * A custom domain for the console (and the API paths on its origin): the distribution answers to
   * `domainName` with `certificate`, TLS 1.2 at least (`TLSv1.2_2021`). CloudFront only takes ACM
   * certificates from us-east-1, whatever the stack's region; the DNS record (an alias to the
   * distribution) is yours to make.
   * @default none: `https://<id>.cloudfront.net` with CloudFront's certificate, which accepts TLS 1.0
   */
  readonly domain?: TokenGateDomainProps;
  /**
   * A new AWS WAF web ACL (`TokenGateWebAcl`, scope CLOUDFRONT) on the distribution: a rate limit
   * per viewer IP and AWS's common managed rules. CloudFront web ACLs live in us-east-1, so this
   * needs the stack there; elsewhere, give `webAclArn` instead.
   * @default no web ACL
   */
  readonly firewall?: TokenGateFirewallProps;
  /**
   * The ARN of an existing web ACL of scope CLOUDFRONT (made in us-east-1, e.g. by a
   * `TokenGateWebAcl` in a stack there) for the distribution. Not with `firewall`.
   * @default no web ACL
   */
  readonly webAclArn?: string;
}

export interface TokenGateConsoleProps extends TokenGateConsoleOptions {
  /** The token management API the console talks to (`TokenGate.api`). */
  readonly api: RestApi;
  /**
   * The expiry-warning window: the console marks an active token expiring within it `Expiring soon`
   * (`TokenGate` passes its `expiryWarningWindow`).
   * @default Duration.days(14)
   */
  readonly expiryWarningWindow?: Duration;
  /**
   * The OpenID Connect issuer and client id the console's `Sign in with SSO` uses (`TokenGate` passes
   * its user pool's, or its `identityProvider`'s).
   * @default no people sign-in: the admin token only
   */
  readonly signIn?: { readonly issuer: string; readonly clientId: string };
}

/**
 * The console's headers CloudFront's security headers config has no field for, sent as custom
 * headers: the same values the local stack sends (shared/spec/console.ts).
 */
export const CONSOLE_CUSTOM_HEADERS = [
  { header: 'Cross-Origin-Opener-Policy', value: CONSOLE_COOP },
] as const;

/**
 * The web console behind CloudFront, its files the build the package ships. `TokenGate` makes one
 * (`gate.console`) unless its `console` prop is false.
 */
export class TokenGateConsole extends Construct {
  /** The console's files (private: only this distribution reads it). */
  readonly bucket: Bucket;
  /** CloudFront's standard logs and the site bucket's access logs. */
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** The web ACL on the distribution, when `firewall` was given. */
  readonly webAcl?: TokenGateWebAcl;
  /** `https://<domainName>` with a custom domain, else `https://<id>.cloudfront.net`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: TokenGateConsoleProps) {
    super(scope, id);
    const retention = Duration.days(props.logRetentionDays ?? 90);
    if (props.firewall && props.webAclArn) {
      throw new Error(
        'Give the console either firewall (a new web ACL) or webAclArn (an existing one), not both',
      );
    }
    if (props.firewall)
      this.webAcl = new TokenGateWebAcl(this, 'WebAcl', { ...props.firewall, scope: 'CLOUDFRONT' });
    const webAclArn = this.webAcl?.webAclArn ?? props.webAclArn;

    this.logBucket = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logging writes with an ACL.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: retention }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    suppressNagRules(this.logBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the access log bucket; logging its own access would log itself.',
      },
    ]);

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'site/',
      // Build output only: a new deployment puts it back.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'tokengate console: CSP, HSTS, COOP, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(CONSOLE_HSTS_SECONDS),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: CONSOLE_CUSTOM_HEADERS.map((header) => ({ ...header, override: true })),
      },
    });

    const apiBehavior: BehaviorOptions = {
      // The API's own host name and its stage, as RestApiOrigin would take them from its URL, but
      // from the API's id and the stage's fixed name: no dependency on the stage (see API_STAGE_NAME).
      origin: new HttpOrigin(`${props.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
        originPath: `/${API_STAGE_NAME}`,
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      }),
      // A token must never travel over plain HTTP, not even to be redirected.
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Every viewer header (Authorization included) and the query string, but not Host: API Gateway
      // answers only to its own host name.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.responseHeadersPolicy,
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'tokengate web console and management API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
      },
      additionalBehaviors: Object.fromEntries(CONSOLE_API_PATHS.map((path) => [path, apiBehavior])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      webAclId: webAclArn,
      ...(props.domain && {
        domainNames: [props.domain.domainName],
        certificate: props.domain.certificate,
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
    });
    this.url = `https://${props.domain?.domainName ?? this.distribution.distributionDomainName}`;
    suppressNagRules(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Administrators sign in from anywhere; every API call needs a global:admin token.',
      },
    ]);
    if (!webAclArn) {
      suppressNagRules(this.distribution, [
        {
          id: 'AwsSolutions-CFR2',
          reason:
            'WAF is optional (the firewall and webAclArn props): a web ACL costs money and its rules depend ' +
            'on the traffic; every API path but the public ones needs a valid token.',
        },
      ]);
    }
    if (!props.domain) {
      suppressNagRules(this.distribution, [
        {
          id: 'AwsSolutions-CFR4',
          reason:
            'The default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; the domain prop ' +
            'gives the console its own certificate with TLSv1.2_2021.',
        },
      ]);
    }

    // One deployment of the whole build. Its files are served with `no-cache` (browsers revalidate
    // with the ETag), so a new deployment shows at once; CloudFront itself is invalidated.
    // What the console knows of its deployment, beside its files (as the local stack serves it).
    const config: ConsoleConfig = {
      expiry_warning_seconds: (
        props.expiryWarningWindow ?? Duration.days(DEFAULT_EXPIRY_WARNING_DAYS)
      ).toSeconds(),
      ...(props.signIn && { oidc_issuer: props.signIn.issuer, oidc_client_id: props.signIn.clientId }),
    };
    new BucketDeployment(this, 'Files', {
      sources: [consoleFiles(), Source.jsonData(CONSOLE_CONFIG_PATH.slice(1), config)],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    acknowledgeBucketDeploymentHandler(Stack.of(this), this.bucket);
  }
}

/** The one copying function CDK adds to the stack for every BucketDeployment, with its role. */
function acknowledgeBucketDeploymentHandler(stack: Stack, bucket: Bucket): void {
  const bucketId = stack.resolve(stack.getLogicalId(bucket.node.defaultChild as CfnBucket)) as string;
  // cdk-nag writes a stack's account and region as it knows them: a token's name, else the value.
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const grants = [
    'Action::s3:GetObject*',
    'Action::s3:GetBucket*',
    'Action::s3:List*',
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`,
    `Resource::<${bucketId}.Arn>/*`,
    'Resource::*',
  ];
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    suppressNagRules(child, [
      {
        id: 'AwsSolutions-IAM4',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        reason: "CDK's BucketDeployment function: the AWS-maintained policy for writing its own logs.",
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: grants,
        reason:
          "CDK's BucketDeployment grants: read the deployment's asset objects, replace the objects of the " +
          "console bucket (object keys are the build's file names), and invalidate the distribution's cache.",
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          "The runtime of CDK's BucketDeployment function is chosen by aws-cdk-lib and updated with it.",
      },
    ]);
  }
}
