import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ACKNOWLEDGED_RULES_METADATA_KEY } from '#cdk/nag-suppressions';
import { TokenGateStack } from '#cdk/stack';
import { unbundledApp } from './template';

/** The ids of the rules acknowledged anywhere in `scopes`. */
function acknowledgedRules(...scopes: (IConstruct | undefined)[]): string[] {
  return scopes
    .flatMap((scope) => scope?.node.findAll() ?? [])
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.keys(entry.data as Record<string, string>)) // { 'Annotation::<id>': reason }
    .map((key) => key.replace(/^Annotation::/, ''));
}

// cdk-nag 3 is a policy validation plugin, not an Aspect, and reports violations instead of annotations.
describe('the AWS Solutions checks (cdk-nag)', () => {
  // The deployment as `cdk synth` makes it, with the web console.

  it('find nothing in the stack that is not fixed or acknowledged with a reason', () => {
    const app = unbundledApp();
    const stack = new TokenGateStack(app, 'Nagged');
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
  });

  it('find nothing either with the web ACLs and custom domains, and need no reason for WAF or TLS then', () => {
    const certificates = new Stack(new App(), 'Certificates');
    const certificate = Certificate.fromCertificateArn(
      certificates,
      'Certificate',
      'arn:aws:acm:us-east-1:123456789012:certificate/1a2b3c4d',
    );
    const app = unbundledApp();
    const stack = new TokenGateStack(app, 'Nagged', {
      env: { region: 'us-east-1' },
      tokenGate: {
        firewall: {},
        apiDomain: { domainName: 'api.tokens.example.com', certificate },
        console: { firewall: {}, domain: { domainName: 'tokens.example.com', certificate } },
      },
    });
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
    const unneeded = ['AwsSolutions-APIG3', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4'];
    // The management API and the console; the example API has no web ACL, so it keeps its reason.
    const concerned = (nagged: TokenGateStack) => acknowledgedRules(nagged.tokenGate.api, nagged.console);
    expect(concerned(stack).filter((rule) => unneeded.includes(rule))).toEqual([]);
    const plain = new TokenGateStack(unbundledApp(), 'Plain');
    expect(concerned(plain)).toEqual(expect.arrayContaining(unneeded));
  });

  // A whole synthesis with every check: about 20 s on a two-core machine running the other tests too.
  it('let the app synthesize as `cdk synth` does, with the checks as a validation plugin', {
    timeout: 120_000,
  }, () => {
    const app = unbundledApp();
    new TokenGateStack(app, 'Nagged');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  // cdk-nag 2 is an Aspect that reads suppressions from each resource's CloudFormation metadata only,
  // with a granular rule's findings in applies_to (an id holding a finding is an error there).
  it('find every reason where cdk-nag 2 reads it too: on each resource the reason reaches, as cdk_nag metadata', () => {
    const stack = new TokenGateStack(unbundledApp(), 'Nagged');
    Template.fromStack(stack); // synthesizes: cdk-nag 2 reads at synth
    const resources = stack.node.findAll().filter(CfnResource.isCfnResource);
    let compared = 0;
    for (const resource of resources) {
      const reaching = resource.node.scopes
        .flatMap((scope) => scope.node.metadata)
        .filter((entry) => entry.type === ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .flatMap(([key, reason]) => {
          // aws-cdk-lib acknowledges warnings of its own there too: only the AWS Solutions rules.
          const [, id, finding] = /^Annotation::(AwsSolutions-[^[]+)(?:\[(.*)\])?$/.exec(key) ?? [];
          if (id === undefined) return [];
          return [{ id, reason, ...(finding !== undefined && { applies_to: [finding] }) }];
        });
      const written = (
        (resource.getMetadata('cdk_nag') ?? { rules_to_suppress: [] }) as {
          rules_to_suppress: { id: string; reason: string; applies_to?: string[] }[];
        }
      ).rules_to_suppress.flatMap(({ applies_to, ...rule }) =>
        applies_to ? applies_to.map((finding) => ({ ...rule, applies_to: [finding] })) : [rule],
      );
      expect(new Set(written.map((rule) => JSON.stringify(rule))), resource.node.path).toEqual(
        new Set(reaching.map((rule) => JSON.stringify(rule))),
      );
      compared += reaching.length;
    }
    expect(compared).toBeGreaterThan(100);
    // The key ring's rotation function's role: its policy holds the X-Ray grant on `*`.
    const policy = resources.find((resource) =>
      resource.node.path.endsWith('/KeySecretRotationServiceRole/DefaultPolicy/Resource'),
    );
    expect(policy?.getMetadata('cdk_nag')).toEqual({
      rules_to_suppress: [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
          applies_to: ['Resource::*'],
        },
      ],
    });
  });

  it('do report a finding when there is one (so an empty report means something)', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Careless');
    new Table(stack, 'NoRecovery', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-DDB3');
  });
});
