// The web console's deployment: a private bucket behind CloudFront with origin access control, the
// management API on the same origin (uncached, every header passed on), and the security headers.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_API_PATHS } from '#cdk/console';
import { CONSOLE_CSP, CONSOLE_HEADERS, CONSOLE_HSTS_SECONDS } from '#spec/console';
import { consoleSiteFixture, onlyResource, synthStack } from './template';

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
    ({ template } = synthStack({ consoleDir: consoleSiteFixture() }));
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
    expect(config.Logging).toBeDefined();
  });

  it('sends the API paths to the management API uncached, HTTPS only, with every viewer header', () => {
    expect(config.CacheBehaviors.map((behavior) => behavior.PathPattern)).toEqual([...CONSOLE_API_PATHS]);
    const apiOrigin = config.Origins.find((origin) => origin.CustomOriginConfig);
    // The management API's stage URL, taken apart into host name and stage path.
    expect(JSON.stringify(apiOrigin?.DomainName)).toContain('.execute-api.');
    expect(JSON.stringify(apiOrigin?.OriginPath)).toContain('TokensApiDeploymentStage');
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

  it('is left out when no console build is given (the construct library’s users)', () => {
    const { template: bare } = synthStack();
    bare.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(bare.findOutputs('ConsoleUrl')).toEqual({});
  });
});
