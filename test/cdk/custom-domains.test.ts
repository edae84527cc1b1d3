// Custom domains: the management API behind a regional API Gateway domain name with the TLS 1.2
// policy, the console behind its own name and certificate with TLSv1.2_2021 at least; without them,
// the default host names.
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Certificate, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { describe, expect, it } from 'vitest';
import { onlyResource, refTo, restApi, synthStack } from './template';

/** An existing ACM certificate in `region`. */
function certificate(region: string): ICertificate {
  const arn = `arn:aws:acm:${region}:123456789012:certificate/1a2b3c4d`;
  return Certificate.fromCertificateArn(new Stack(new App(), 'Certificates'), 'Certificate', arn);
}

function distributionConfig(template: Template): Record<string, unknown> {
  const [, distribution] = onlyResource(template, 'AWS::CloudFront::Distribution', {});
  return distribution.Properties.DistributionConfig as Record<string, unknown>;
}

describe('custom domains', () => {
  it('the API: a regional domain name with the TLS 1.2 policy, mapped at its root to the API’s stage', () => {
    const { template } = synthStack({
      env: { region: 'eu-west-1' },
      tokenGate: {
        apiDomain: { domainName: 'api.tokens.example.com', certificate: certificate('eu-west-1') },
      },
    });

    const [domainId, domain] = onlyResource(template, 'AWS::ApiGateway::DomainName', {});
    expect(domain.Properties).toEqual({
      DomainName: 'api.tokens.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      RegionalCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/1a2b3c4d',
      SecurityPolicy: 'TLS_1_2',
    });
    const [apiId] = restApi(template, 'token management API');
    const [stageId] = onlyResource(template, 'AWS::ApiGateway::Stage', {
      Properties: { RestApiId: refTo(apiId) },
    });
    const [, mapping] = onlyResource(template, 'AWS::ApiGateway::BasePathMapping', {});
    expect(mapping.Properties).toEqual({
      DomainName: refTo(domainId),
      RestApiId: refTo(apiId),
      Stage: refTo(stageId),
    });
  });

  it('the console: its name and certificate, TLSv1.2_2021 at least, and its URL', () => {
    const { template } = synthStack({
      env: { region: 'eu-west-1' },
      tokenGate: {
        console: { domain: { domainName: 'tokens.example.com', certificate: certificate('us-east-1') } },
      },
    });

    const config = distributionConfig(template);
    expect(config.Aliases).toEqual(['tokens.example.com']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/1a2b3c4d',
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    template.hasOutput('ConsoleUrl', { Value: 'https://tokens.example.com' });
  });

  it('the console: a certificate outside us-east-1 fails at synth', () => {
    expect(() =>
      synthStack({
        tokenGate: {
          console: { domain: { domainName: 'tokens.example.com', certificate: certificate('eu-west-1') } },
        },
      }),
    ).toThrow(/must be in the us-east-1 region/);
  });

  it('are not made by default: no domain name, CloudFront’s own certificate', () => {
    const { template } = synthStack();

    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
    expect(distributionConfig(template).Aliases).toBeUndefined();
  });
});
