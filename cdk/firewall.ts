// An optional AWS WAF web ACL in front of the management API's stage or the console's distribution:
// API Gateway's throttles are shared by every caller, so one client could use them up for all; WAF
// counts each client IP apart.
import { Stack, Token } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Requests one client IP may send in any 5 minutes (WAF's rate window) before WAF blocks it. */
export const DEFAULT_FIREWALL_RATE_LIMIT = 1000;

/** WAF's bounds on a rate-based rule's limit. */
const RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

/** The region a CloudFront (global) web ACL must be created in. */
export const CLOUDFRONT_WEB_ACL_REGION = 'us-east-1';

export interface TokenGateFirewallProps {
  /**
   * Requests one client IP may send in any 5 minutes; above it, WAF answers 403 to that IP until its
   * rate falls below the limit again. 10 to 2,000,000,000.
   * @default 1000 (`DEFAULT_FIREWALL_RATE_LIMIT`)
   */
  readonly rateLimit?: number;
}

export interface TokenGateWebAclProps extends TokenGateFirewallProps {
  /**
   * `REGIONAL` for an API Gateway stage (in the stage's region), `CLOUDFRONT` for a distribution (its
   * stack must be in us-east-1).
   */
  readonly scope: 'REGIONAL' | 'CLOUDFRONT';
}

/**
 * A web ACL that allows by default and blocks (1) a client IP over `rateLimit` requests in 5 minutes
 * and (2) what AWS's common managed rule set (`AWSManagedRulesCommonRuleSet`) blocks: oversized
 * bodies, no User-Agent, cross-site scripting and path traversal patterns and the like. Each rule
 * has CloudWatch metrics and sampled requests.
 */
export class TokenGateWebAcl extends Construct {
  readonly webAcl: CfnWebACL;
  /** What an association or a distribution's `webAclId` takes. */
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: TokenGateWebAclProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (props.scope === 'CLOUDFRONT' && region !== CLOUDFRONT_WEB_ACL_REGION) {
      throw new Error(
        `A web ACL for CloudFront can only be created in a stack in ${CLOUDFRONT_WEB_ACL_REGION} (this one is in ` +
          `${Token.isUnresolved(region) ? 'an unspecified region' : region}): deploy there, or give the ARN ` +
          'of an existing CLOUDFRONT web ACL (webAclArn)',
      );
    }
    const rateLimit = props.rateLimit ?? DEFAULT_FIREWALL_RATE_LIMIT;
    if (
      !Number.isInteger(rateLimit) ||
      rateLimit < RATE_LIMIT_RANGE.min ||
      rateLimit > RATE_LIMIT_RANGE.max
    ) {
      throw new Error(
        `rateLimit must be a whole number of requests from ${RATE_LIMIT_RANGE.min} to ${RATE_LIMIT_RANGE.max}, got ${rateLimit}`,
      );
    }
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: props.scope,
      defaultAction: { allow: {} },
      description: `tokengate: at most ${rateLimit} requests per client IP in 5 minutes, and AWS common rules`,
      visibilityConfig: visibility('tokengate'),
      rules: [
        {
          name: 'RateLimitPerClientIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          visibilityConfig: visibility('tokengate-rate-limit'),
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' },
          },
          visibilityConfig: visibility('tokengate-common-rules'),
        },
      ],
    });
    this.webAclArn = this.webAcl.attrArn;
  }
}
