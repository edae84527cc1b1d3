// Builds the stack without bundling (fast) and finds things in its template the way a reader would:
// by tag, description and reference, never by generated logical id.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { FUNCTION_TAG } from '#cdk/function';
import { TokenGateStack, type TokenGateStackProps } from '#cdk/stack';
import { TABLE_TAG } from '#cdk/tables';
import type { TableDefinition } from '#spec/tables';

type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };

/** An app that skips asset bundling: templates only. */
export function unbundledApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function synthStack(props: TokenGateStackProps = {}): { stack: TokenGateStack; template: Template } {
  const stack = new TokenGateStack(unbundledApp(), 'TokenGateTest', props);
  return { stack, template: Template.fromStack(stack) };
}

/** The one resource of `type` matching `props`, with its logical id. */
export function onlyResource(template: Template, type: string, props: unknown): [string, Resource] {
  const found = Object.entries(template.findResources(type, props) as Record<string, Resource>);
  expect(found, `exactly one ${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

export function lambdaFunction(template: Template, name: string): [string, Resource] {
  return onlyResource(template, 'AWS::Lambda::Function', {
    Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: name }]) },
  });
}

/** The DynamoDB table built from `definition`: a global table, tagged on its one replica. */
export function table(template: Template, definition: TableDefinition): [string, Resource] {
  return onlyResource(template, 'AWS::DynamoDB::GlobalTable', {
    Properties: {
      Replicas: [Match.objectLike({ Tags: Match.arrayWith([{ Key: TABLE_TAG, Value: definition.id }]) })],
    },
  });
}

/** The properties of a global table's one replica (the stack's region). */
export function replicaOf(table: { readonly [key: string]: unknown }): Record<string, unknown> {
  const replicas = (table.Properties as { Replicas: Record<string, unknown>[] }).Replicas;
  expect(replicas).toHaveLength(1);
  return replicas[0] as Record<string, unknown>;
}

export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of the IAM policies attached to the role of the function built from `name`. */
export function roleStatements(template: Template, name: string): Statement[] {
  const [, fn] = lambdaFunction(template, name);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  }) as Record<string, Resource>;
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

export function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

export function refTo(logicalId: string) {
  return { Ref: logicalId };
}

/** The RestApi whose description contains `text`. */
export function restApi(template: Template, text: string): [string, Resource] {
  return onlyResource(template, 'AWS::ApiGateway::RestApi', {
    Properties: { Description: Match.stringLikeRegexp(text) },
  });
}

/** `/a/{b}/c` for each AWS::ApiGateway::Resource, following ParentId up to the API's root. */
export function resourcePaths(template: Template): Map<string, string> {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Record<string, Resource>;
  const pathOf = (id: string): string => {
    const resource = resources[id];
    if (!resource) return '';
    const parent = resource.Properties.ParentId as { Ref?: string };
    const parentPath = parent.Ref ? pathOf(parent.Ref) : '';
    return `${parentPath}/${String(resource.Properties.PathPart)}`;
  };
  return new Map(Object.keys(resources).map((id) => [id, pathOf(id)]));
}

/** A stand-in for the built web console (web/dist/<hash>/): the CDK tests need its files, not Vite. */
export function consoleSiteFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-console-site-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/index.js"></script>',
  );
  writeFileSync(join(dir, 'assets/index.js'), 'export {};\n');
  return dir;
}
