import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../cdk/function';
import { readConfig } from '../../shared/config';
import { ALL_FUNCTIONS, AUTHORIZER, type FunctionDef } from '../../shared/routes';
import { TOKENS_TABLE } from '../../shared/tables';
import { actionsOf, lambdaFunction, onlyResource, roleStatements, synthStack } from './template';

const { template } = synthStack();
const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table', {});
const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret', {});
const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };

/** What every function may do whatever its needs: write its own logs, send traces. */
const PLATFORM_ACTIONS = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

function expectedActions(definition: FunctionDef): string[] {
  return [
    ...definition.needs.tokens.map((action) => `dynamodb:${action}`),
    ...(definition.needs.hmacKey ? ['secretsmanager:GetSecretValue'] : []),
    ...PLATFORM_ACTIONS,
  ].sort();
}

function environmentOf(definition: FunctionDef): Record<string, unknown> {
  const [, fn] = lambdaFunction(template, definition.name);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Whether the function's bundle includes shared/config.ts, whose readConfig() runs at load. */
async function loadsConfig(definition: FunctionDef): Promise<boolean> {
  const result = await build({
    entryPoints: [definition.entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).includes('shared/config.ts');
}

describe.each(ALL_FUNCTIONS.map((definition) => [definition.name, definition] as const))(
  'the %s function',
  (_name, definition) => {
    it('runs on Node 22, on ARM, traced, logging to its own log group with a retention', () => {
      const [, fn] = lambdaFunction(template, definition.name);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logGroup = template.toJSON().Resources[logGroupId];
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toBe(30);
    });

    it('maps stack traces to the TypeScript source and logs as the tokengate service', () => {
      expect(environmentOf(definition)).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'tokengate',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    });

    it('may do exactly what its needs declare, and nothing else but write logs and traces', () => {
      const actions = new Set(roleStatements(template, definition.name).flatMap(actionsOf));
      expect([...actions].sort()).toEqual(expectedActions(definition));
    });

    it('reaches the table and the key secret only, and indexes only to query them', () => {
      for (const statement of roleStatements(template, definition.name)) {
        const actions = actionsOf(statement);
        if (actions.every((action) => action.startsWith('xray:'))) {
          expect(statement.Resource).toBe('*'); // X-Ray has no resource-level permissions
        } else if (actions.every((action) => action.startsWith('logs:'))) {
          expect(JSON.stringify(statement.Resource)).toMatch(/LogGroup/);
        } else if (actions.includes('secretsmanager:GetSecretValue')) {
          expect(statement.Resource).toEqual({ Ref: secretId });
        } else if (Array.isArray(statement.Resource)) {
          expect(actions).toEqual(['dynamodb:Query']);
          expect(statement.Resource).toEqual(
            TOKENS_TABLE.indexes.map((index) => ({ 'Fn::Join': ['', [tableArn, `/index/${index.name}`]] })),
          );
        } else {
          expect(statement.Resource).toEqual(tableArn);
        }
      }
    });

    it('has a role of its own, with no AWS managed policy', () => {
      const [, fn] = lambdaFunction(template, definition.name);
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = template.toJSON().Resources[roleId];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    });

    it('gets the environment readConfig() requires if it loads the config, and no table or key otherwise', async () => {
      const environment = environmentOf(definition);
      if (await loadsConfig(definition)) {
        const resolved = Object.fromEntries(
          // A reference to a table or secret stands for its name or ARN at deploy time.
          Object.entries(environment).map(([name, value]) => [
            name,
            typeof value === 'string' ? value : JSON.stringify(value),
          ]),
        );
        expect(() => readConfig(resolved)).not.toThrow();
        expect(environment).toMatchObject({
          TOKENGATE_TOKENS_TABLE: { Ref: tableId },
          TOKENGATE_KEY_SECRET_ID: { Ref: secretId },
          TOKENGATE_RETENTION_DAYS: '30',
        });
      } else {
        expect(Object.keys(environment).filter((name) => name.startsWith('TOKENGATE_'))).toEqual([]);
      }
    });
  },
);

describe('the authorizer function', () => {
  it('gives up within 5 seconds, so a stuck check fails closed quickly', () => {
    const [, fn] = lambdaFunction(template, AUTHORIZER.name);
    expect(fn.Properties.Timeout).toBeLessThanOrEqual(5);
  });
});

describe('the deployment', () => {
  it('runs every function of the route table, once each', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(ALL_FUNCTIONS.length);
    for (const definition of ALL_FUNCTIONS) lambdaFunction(template, definition.name);
  });

  it('runs every function on nodejs22.x', () => {
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties.Runtime,
    );
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
  });
});
