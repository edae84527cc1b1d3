// Why a cdk-nag rule does not apply to a resource tokengate makes, written where both cdk-nag 2 and
// cdk-nag 3 read it, with nothing newer than the oldest aws-cdk-lib the package supports:
//
// - cdk-nag 3 (a policy validation plugin) reads the construct tree's `aws:cdk:acknowledged-rules`
//   metadata on the resource and its ancestors, keyed `Annotation::<rule>[<finding>]`: what
//   `Validations.of(x).acknowledge()` writes on the aws-cdk-lib versions that have it.
// - cdk-nag 2 (an Aspect) reads the CloudFormation metadata `cdk_nag.rules_to_suppress` of each
//   resource itself, a finding named in `applies_to`: what its `NagSuppressions` writes.
//
// Writing the metadata directly skips `Validations`, which older versions lack and whose rule id
// parser refuses a finding such as `Resource::*` on some of the versions in between.
import { AspectPriority, Aspects, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The construct metadata cdk-nag 3 (and aws-cdk-lib's `Validations`) read acknowledged rules from. */
export const ACKNOWLEDGED_RULES_METADATA_KEY = 'aws:cdk:acknowledged-rules';

/** One rule that does not apply, and why. */
export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** The findings of a granular rule it covers, e.g. `Resource::*`; all of them when left out. */
  readonly appliesTo?: readonly string[];
  /** Why: shown in the checks' reports (cdk-nag 2 wants 10 characters or more). */
  readonly reason: string;
}

interface CfnSuppression {
  id: string;
  reason: string;
  applies_to?: string[];
}

/**
 * Suppresses `suppressions` on `scope` and every resource under it, those added later included:
 * cdk-nag 3 reads them from `scope` when it runs; for cdk-nag 2, an Aspect that runs before the
 * checks' own (priority `MUTATING`) writes them on each resource at synth.
 */
export function suppressNagRules(scope: IConstruct, suppressions: readonly NagSuppression[]): void {
  const acknowledged: Record<string, string> = {};
  for (const { id, appliesTo, reason } of suppressions) {
    for (const finding of appliesTo ?? [undefined]) {
      acknowledged[`Annotation::${id}${finding === undefined ? '' : `[${finding}]`}`] = reason;
    }
  }
  scope.node.addMetadata(ACKNOWLEDGED_RULES_METADATA_KEY, acknowledged);
  Aspects.of(scope).add(new CfnNagSuppressions(suppressions), { priority: AspectPriority.MUTATING });
}

/** Adds its rules to the `cdk_nag` CloudFormation metadata of each resource it visits, once each. */
class CfnNagSuppressions implements IAspect {
  private readonly rules: CfnSuppression[];

  constructor(suppressions: readonly NagSuppression[]) {
    this.rules = suppressions.map(({ id, appliesTo, reason }) => ({
      id,
      reason,
      ...(appliesTo && { applies_to: [...appliesTo] }),
    }));
  }

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const existing = (node.getMetadata('cdk_nag') as { rules_to_suppress?: CfnSuppression[] } | undefined)
      ?.rules_to_suppress;
    const merged = [...(existing ?? []), ...this.rules].map((rule) => JSON.stringify(rule));
    node.addMetadata('cdk_nag', {
      rules_to_suppress: [...new Set(merged)].map((rule) => JSON.parse(rule) as CfnSuppression),
    });
  }
}
