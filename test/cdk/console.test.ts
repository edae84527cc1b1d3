// The web console's deployment: a private bucket behind CloudFront with origin access control, the
// management API on the same origin (uncached, every header passed on), and the security headers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_API_PATHS, consoleFiles, PREBUILT_CONSOLE, TokenGateConsole } from '#cdk/console';
import { PROJECT_ROOT } from '#cdk/function';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { CONSOLE_CSP, CONSOLE_HEADERS, CONSOLE_HSTS_SECONDS } from '#spec/console';
import { ensureConsoleBuild } from '#web/build';
import { consoleSiteFixture, onlyResource, synthStack, unbundledApp } from './template';

// CloudFront's managed policies, by their documented ids.
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

type Behavior = Record<string, unknown>;
interface DistributionConfig {
  DefaultRootObject: string;
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: { Id: string; DomainName: unknown; OriginPath?: unknown; CustomOriginConfig?: unknown }[];
  Logging?: unknown;
}

describe('the web console deployment', () => {
  let template: Template;
  let config: DistributionConfig;

  beforeAll(() => {
    ({ template } = synthStack());
    const [, distribution] = onlyResource(template, 'AWS::CloudFront::Distribution', {});
    config = distribution.Properties.DistributionConfig as DistributionConfig;
  });

  it('keeps the files in a bucket no one but the distribution can read', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }),
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    expect(
      Object.keys(
        template.findResources('AWS::S3::Bucket', { Properties: { WebsiteConfiguration: Match.anyValue() } }),
      ),
    ).toEqual([]);
  });

  it('serves index.html at / over HTTPS, and logs', () => {
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    // Into the console's log bucket, under cloudfront/.
    expect(config.Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [expect.any(String), 'RegionalDomainName'] },
      Prefix: 'cloudfront/',
    });
    const [logBucket] = (config.Logging as { Bucket: { 'Fn::GetAtt': [string, string] } }).Bucket[
      'Fn::GetAtt'
    ];
    expect(template.toJSON().Resources[logBucket]?.Type).toBe('AWS::S3::Bucket');
  });

  it('sends the API paths to the management API uncached, HTTPS only, with every viewer header', () => {
    expect(config.CacheBehaviors.map((behavior) => behavior.PathPattern)).toEqual([...CONSOLE_API_PATHS]);
    const apiOrigin = config.Origins.find((origin) => origin.CustomOriginConfig);
    // The management API's host name and its stage's path.
    expect(JSON.stringify(apiOrigin?.DomainName)).toContain('.execute-api.');
    expect(apiOrigin?.OriginPath).toBe('/prod');
    expect(apiOrigin?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    for (const behavior of config.CacheBehaviors) {
      expect(behavior).toMatchObject({
        TargetOriginId: apiOrigin?.Id,
        ViewerProtocolPolicy: 'https-only',
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS']),
      });
    }
  });

  it('adds the console’s security headers to every answer', () => {
    const [policyId, policy] = onlyResource(template, 'AWS::CloudFront::ResponseHeadersPolicy', {});
    expect(policy.Properties.ResponseHeadersPolicyConfig).toMatchObject({
      SecurityHeadersConfig: {
        ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CSP, Override: true },
        StrictTransportSecurity: {
          AccessControlMaxAgeSec: CONSOLE_HSTS_SECONDS,
          IncludeSubdomains: true,
          Override: true,
        },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ContentTypeOptions: { Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      },
      CustomHeadersConfig: {
        Items: [{ Header: 'Cross-Origin-Opener-Policy', Value: 'same-origin', Override: true }],
      },
    });
    // The same header the local stack sends with the console's files.
    expect(CONSOLE_HEADERS['cross-origin-opener-policy']).toBe('same-origin');
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    }
  });

  it('deploys the built files to the bucket and says where the console is', () => {
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
    template.hasOutput('ConsoleUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }]] },
    });
  });

  it('is left out with the gate’s console prop false, and so is its output', () => {
    const { stack, template: bare } = synthStack({ tokenGate: { console: false } });
    expect(stack.console).toBeUndefined();
    bare.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(bare.findOutputs('ConsoleUrl')).toEqual({});
  });
});

/** A consumer's stack holding one TokenGate made with `props`. */
function gateStack(props: TokenGateProps = {}): { gate: TokenGate; template: Template } {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens', props);
  return { gate, template: Template.fromStack(stack) };
}

const CONSOLE_DISTRIBUTION = {
  Properties: {
    DistributionConfig: Match.objectLike({ Comment: 'tokengate web console and management API' }),
  },
};

describe("TokenGate's console (a team's own stack)", () => {
  it('is deployed by default: the files bucket, the distribution, the deployment of the build, the headers', () => {
    const { gate, template } = gateStack();
    expect(gate.console).toBeInstanceOf(TokenGateConsole);
    const [distributionId, distribution] = onlyResource(
      template,
      'AWS::CloudFront::Distribution',
      CONSOLE_DISTRIBUTION,
    );
    const [siteId] = onlyResource(template, 'AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }) },
    });
    onlyResource(template, 'Custom::CDKBucketDeployment', {
      Properties: {
        DestinationBucketName: { Ref: siteId },
        DistributionId: { Ref: distributionId },
        DistributionPaths: ['/*'],
        SystemMetadata: { 'cache-control': 'no-cache' },
      },
    });
    const [policyId, policy] = onlyResource(template, 'AWS::CloudFront::ResponseHeadersPolicy', {});
    const config = distribution.Properties.DistributionConfig as DistributionConfig;
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    // The headers the local stack sends with the console's files, header for header, and HSTS.
    const { SecurityHeadersConfig: security, CustomHeadersConfig: custom } = policy.Properties
      .ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: Record<string, Record<string, unknown>>;
      CustomHeadersConfig: { Items: { Header: string; Value: string }[] };
    };
    const sent = {
      'content-security-policy': security.ContentSecurityPolicy?.ContentSecurityPolicy,
      'x-frame-options': security.FrameOptions?.FrameOption,
      'x-content-type-options': security.ContentTypeOptions && 'nosniff',
      'referrer-policy': security.ReferrerPolicy?.ReferrerPolicy,
      ...Object.fromEntries(custom.Items.map((item) => [item.Header.toLowerCase(), item.Value])),
    };
    expect(sent).toEqual(CONSOLE_HEADERS);
    expect(sent['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
        "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 63_072_000,
      IncludeSubdomains: true,
      Override: true,
    });
  });

  it('deploys what the console knows of its deployment beside its files: the expiry-warning window', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Consumer');
    new TokenGate(stack, 'Tokens', { expiryWarningWindow: Duration.days(3) });
    const template = Template.fromStack(stack);
    const [, deployment] = onlyResource(template, 'Custom::CDKBucketDeployment', {});
    // The console's build and the configuration: two sources.
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    const configs = readdirSync(app.outdir)
      .map((entry) => join(app.outdir, entry, 'config.json'))
      .filter((path) => existsSync(path))
      .map((path) => JSON.parse(readFileSync(path, 'utf8')) as unknown);
    // With the sign-in's issuer and client id, filled in at deployment (markers here).
    expect(configs).toEqual([
      {
        expiry_warning_seconds: 259_200,
        oidc_issuer: expect.any(String),
        oidc_client_id: expect.any(String),
      },
    ]);
  });

  it('is left out with console false: no bucket, distribution or deployment', () => {
    const { gate, template } = gateStack({ console: false });
    expect(gate.console).toBeUndefined();
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    template.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 0);
    expect(gate.api).toBeDefined();
  });

  it('takes its options: log retention and an existing web ACL reach the distribution and its logs', () => {
    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/tokens/0f1e2d3c';
    const { template } = gateStack({ console: { logRetentionDays: 7, webAclArn } });
    const [, distribution] = onlyResource(template, 'AWS::CloudFront::Distribution', CONSOLE_DISTRIBUTION);
    expect((distribution.Properties.DistributionConfig as Record<string, unknown>).WebACLId).toBe(webAclArn);
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, Status: 'Enabled' }] },
    });
  });

  it('needs the management API: none without it, and asking for one then stops the synth with one line', () => {
    const { gate, template } = gateStack({ managementApi: false });
    expect(gate.console).toBeUndefined();
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(gateStack({ managementApi: false, console: false }).gate.console).toBeUndefined();
    for (const console of [{ logRetentionDays: 7 }, true]) {
      expect(() => gateStack({ managementApi: false, console })).toThrow(
        'TokenGate Consumer/Tokens: console needs the management API (managementApi is false)',
      );
    }
    expect(() => gateStack({ managementApi: false, firewall: {}, console: {} })).toThrow(
      'TokenGate Consumer/Tokens: firewall and console need the management API (managementApi is false)',
    );
  });
});

/** The files of the one asset `consoleFiles` made in a new stack of `app`, as synth stages them. */
function stagedConsole(app: App, prebuilt?: string): string {
  const stack = new Stack(app, 'Site');
  consoleFiles(prebuilt).bind(stack, {
    handlerRole: new Role(stack, 'Deployer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  });
  const asset = stack.node.findAll().find((child) => child instanceof Asset);
  if (!asset) throw new Error('consoleFiles made no asset');
  return resolve(app.outdir, asset.assetPath);
}

describe("the console's files", () => {
  it('are the pre-built copy when the package ships one: no Vite at synth', () => {
    const prebuilt = consoleSiteFixture();
    const staged = stagedConsole(new App(), prebuilt);
    expect(readdirSync(staged, { recursive: true }).sort()).toEqual([
      'assets',
      'assets/index.js',
      'index.html',
    ]);
    expect(readFileSync(join(staged, 'index.html'))).toEqual(readFileSync(join(prebuilt, 'index.html')));
  });

  it('are built from web/ at synth in a checkout, which has no pre-built copy: the build of web/build.ts', {
    timeout: 300_000,
  }, async () => {
    expect(existsSync(PREBUILT_CONSOLE)).toBe(false);
    const staged = stagedConsole(new App());
    const build = await ensureConsoleBuild();
    expect(readFileSync(join(staged, 'index.html'), 'utf8')).toBe(
      readFileSync(join(build.dir, 'index.html'), 'utf8'),
    );
    expect(readdirSync(join(staged, 'assets')).sort()).toEqual(readdirSync(join(build.dir, 'assets')).sort());
  });

  it('are not built for a stack the CDK does not bundle (cdk list, tests)', () => {
    const staged = stagedConsole(unbundledApp());
    expect(staged).toBe(join(PROJECT_ROOT, 'web'));
  });
});
