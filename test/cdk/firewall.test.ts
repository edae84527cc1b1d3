// The optional AWS WAF web ACLs: on the management API's stage (regional) and on the console's
// distribution (CloudFront, so made only in us-east-1), each a rate limit per client IP and AWS's
// common managed rules; none unless asked for.
import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FIREWALL_RATE_LIMIT } from '#cdk/firewall';
import { onlyResource, refTo, restApi, synthStack } from './template';

/** The rules every tokengate web ACL has, with its rate limit. */
function expectedRules(limit: number) {
  return [
    {
      Name: 'RateLimitPerClientIp',
      Priority: 0,
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: limit, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        MetricName: 'tokengate-rate-limit',
        SampledRequestsEnabled: true,
      },
    },
    {
      Name: 'AWSManagedRulesCommonRuleSet',
      Priority: 1,
      OverrideAction: { None: {} },
      Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        MetricName: 'tokengate-common-rules',
        SampledRequestsEnabled: true,
      },
    },
  ];
}

function webAcl(template: Template, scope: 'REGIONAL' | 'CLOUDFRONT') {
  return onlyResource(template, 'AWS::WAFv2::WebACL', { Properties: { Scope: scope } });
}

function distributionConfig(template: Template): Record<string, unknown> {
  const [, distribution] = onlyResource(template, 'AWS::CloudFront::Distribution', {});
  return distribution.Properties.DistributionConfig as Record<string, unknown>;
}

describe('the web ACLs', () => {
  it('are not made by default: no web ACL, no association, the distribution has none', () => {
    const { template } = synthStack();

    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(distributionConfig(template).WebACLId).toBeUndefined();
  });

  it('on the API: a regional web ACL of the rate limit (1000 per IP in 5 minutes by default) and the common rules, on its stage', () => {
    const { template } = synthStack({ tokenGate: { firewall: {} } });

    const [aclId, acl] = webAcl(template, 'REGIONAL');
    expect(DEFAULT_FIREWALL_RATE_LIMIT).toBe(1000);
    expect(acl.Properties).toMatchObject({ DefaultAction: { Allow: {} }, Rules: expectedRules(1000) });
    const [apiId] = restApi(template, 'token management API');
    const [stageId] = onlyResource(template, 'AWS::ApiGateway::Stage', {
      Properties: { RestApiId: refTo(apiId) },
    });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            '::/restapis/',
            refTo(apiId),
            '/stages/',
            refTo(stageId),
          ],
        ],
      },
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1); // the example API gets none
  });

  it('is documented with the default limit the construct uses', () => {
    const doc = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
    expect(doc('SECURITY.md')).toContain(
      `default ${DEFAULT_FIREWALL_RATE_LIMIT} requests per client IP in any 5 minutes`,
    );
    expect(doc('docs/deploying.md')).toContain(
      `(default ${DEFAULT_FIREWALL_RATE_LIMIT}, \`DEFAULT_FIREWALL_RATE_LIMIT\``,
    );
  });

  it('takes another rate limit, and refuses one WAF would not', () => {
    const { template } = synthStack({ tokenGate: { firewall: { rateLimit: 200 } } });
    expect(webAcl(template, 'REGIONAL')[1].Properties.Rules).toEqual(expectedRules(200));

    expect(() => synthStack({ tokenGate: { firewall: { rateLimit: 5 } } })).toThrow(
      'rateLimit must be a whole number of requests from 10 to 2000000000, got 5',
    );
  });

  it('on the console, in us-east-1: a CloudFront web ACL the distribution names', () => {
    const { template } = synthStack({
      env: { region: 'us-east-1' },
      tokenGate: { console: { firewall: { rateLimit: 300 } } },
    });

    const [aclId, acl] = webAcl(template, 'CLOUDFRONT');
    expect(acl.Properties.Rules).toEqual(expectedRules(300));
    expect(distributionConfig(template).WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0); // CloudFront names its ACL itself
  });

  it('on the console elsewhere: fails at synth with one line saying what to do, or takes an existing ACL', () => {
    expect(() =>
      synthStack({
        env: { region: 'eu-west-1' },
        tokenGate: { console: { firewall: {} } },
      }),
    ).toThrow(
      'A web ACL for CloudFront can only be created in a stack in us-east-1 (this one is in eu-west-1): ' +
        'deploy there, or give the ARN of an existing CLOUDFRONT web ACL (webAclArn)',
    );
    expect(() => synthStack({ tokenGate: { console: { firewall: {} } } })).toThrow(
      /in a stack in us-east-1 \(this one is in an unspecified region\)/,
    );

    const existing = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/tokens/0f1e2d3c';
    const { template } = synthStack({
      env: { region: 'eu-west-1' },
      tokenGate: { console: { webAclArn: existing } },
    });
    expect(distributionConfig(template).WebACLId).toBe(existing);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  it('on the console: not both a new and an existing one', () => {
    expect(() =>
      synthStack({
        env: { region: 'us-east-1' },
        tokenGate: {
          console: { firewall: {}, webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1' },
        },
      }),
    ).toThrow('Give the console either firewall (a new web ACL) or webAclArn (an existing one), not both');
  });
});
