import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../cdk/function';
import { readAuditConfig, readConfig } from '../../shared/config';
import { ALL_FUNCTIONS, AUTHORIZER, type FunctionDef } from '../../shared/routes';
import { AUDIT_TABLE, TOKENS_TABLE } from '../../shared/tables';
import { actionsOf, lambdaFunction, onlyResource, roleStatements, synthStack, table } from './template';

const { template } = synthStack();
const [tableId] = table(template, TOKENS_TABLE);
const [auditTableId] = table(template, AUDIT_TABLE);
const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret', {});
const [failureQueueId] = onlyResource(template, 'AWS::SQS::Queue', {});
const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
const auditTableArn = { 'Fn::GetAtt': [auditTableId, 'Arn'] };
const indexArns = (arn: unknown, definition: typeof TOKENS_TABLE) =>
  definition.indexes.map((index) => ({ 'Fn::Join': ['', [arn, `/index/${index.name}`]] }));

/** What every function may do whatever its needs: write its own logs, send traces. */
const PLATFORM_ACTIONS = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

/** What the tokens table's stream event source grants its consumer: read the stream, report failures. */
const STREAM_CONSUMER_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:SendMessage',
];

function expectedActions(definition: FunctionDef): string[] {
  const { needs } = definition;
  const actions = new Set([
    ...[...needs.tokens, ...(needs.audit ?? [])].map((action) => `dynamodb:${action}`),
    ...(needs.hmacKey ? ['secretsmanager:GetSecretValue'] : []),
    ...(needs.tokensStream ? STREAM_CONSUMER_ACTIONS : []),
    ...PLATFORM_ACTIONS,
  ]);
  return [...actions].sort();
}

function environmentOf(definition: FunctionDef): Record<string, unknown> {
  const [, fn] = lambdaFunction(template, definition.name);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The modules in the function's bundle, by path from the repository root. */
async function bundledModules(definition: FunctionDef): Promise<string[]> {
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
  return Object.keys(result.metafile.inputs);
}

/** Modules that read their configuration at load: readConfig() and readAuditConfig() respectively. */
/** The modules that read the token configuration (shared/config.ts readConfig). */
const TOKEN_RUNTIMES = ['functions/commons/runtime.ts', 'functions/authorizer/runtime.ts'];
const AUDIT_RUNTIME = 'functions/commons/audit-runtime.ts';
const TOKEN_ENVIRONMENT = ['TOKENGATE_TOKENS_TABLE', 'TOKENGATE_KEY_SECRET_ID', 'TOKENGATE_RETENTION_DAYS'];
const AUDIT_ENVIRONMENT = ['TOKENGATE_AUDIT_TABLE', 'TOKENGATE_AUDIT_RETENTION_DAYS'];

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

    it('reaches its tables and the key secret only, each table only as its needs say, indexes only to query them', () => {
      const { needs } = definition;
      for (const statement of roleStatements(template, definition.name)) {
        const actions = actionsOf(statement);
        if (actions.every((action) => action.startsWith('xray:'))) {
          expect(statement.Resource).toBe('*'); // X-Ray has no resource-level permissions
        } else if (actions.every((action) => action.startsWith('logs:'))) {
          expect(JSON.stringify(statement.Resource)).toMatch(/LogGroup/);
        } else if (actions.includes('secretsmanager:GetSecretValue')) {
          expect(statement.Resource).toEqual({ Ref: secretId });
        } else if (actions.every((action) => action.startsWith('sqs:'))) {
          expect(needs.tokensStream).toBe(true);
          expect(statement.Resource).toEqual({ 'Fn::GetAtt': [failureQueueId, 'Arn'] });
        } else if (actions.includes('dynamodb:ListStreams')) {
          expect(needs.tokensStream).toBe(true);
          expect(actions).toEqual(['dynamodb:ListStreams']); // no resource-level permissions
          expect(statement.Resource).toBe('*');
        } else if (actions.includes('dynamodb:GetRecords')) {
          expect(needs.tokensStream).toBe(true);
          expect(statement.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
        } else if (Array.isArray(statement.Resource)) {
          expect(actions).toEqual(['dynamodb:Query']);
          expect([indexArns(tableArn, TOKENS_TABLE), indexArns(auditTableArn, AUDIT_TABLE)]).toContainEqual(
            statement.Resource,
          );
        } else if (JSON.stringify(statement.Resource) === JSON.stringify(auditTableArn)) {
          expect(actions).toEqual((needs.audit ?? []).map((action) => `dynamodb:${action}`));
        } else {
          expect(statement.Resource).toEqual(tableArn);
          expect(actions).toEqual(needs.tokens.map((action) => `dynamodb:${action}`));
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

    it('gets the environment its configuration reader requires, and no table or key it does not read', async () => {
      const environment = environmentOf(definition);
      const modules = await bundledModules(definition);
      // A reference to a table or secret stands for its name or ARN at deploy time.
      const resolved = Object.fromEntries(
        Object.entries(environment).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : JSON.stringify(value),
        ]),
      );
      const given = (names: string[]) => Object.keys(environment).filter((name) => names.includes(name));
      if (TOKEN_RUNTIMES.some((runtime) => modules.includes(runtime))) {
        expect(() => readConfig(resolved)).not.toThrow();
        expect(environment).toMatchObject({
          TOKENGATE_TOKENS_TABLE: { Ref: tableId },
          TOKENGATE_KEY_SECRET_ID: { Ref: secretId },
          TOKENGATE_RETENTION_DAYS: '30',
        });
      } else {
        expect(given(TOKEN_ENVIRONMENT)).toEqual([]);
      }
      if (modules.includes(AUDIT_RUNTIME)) {
        expect(() => readAuditConfig(resolved)).not.toThrow();
        expect(environment).toMatchObject({
          TOKENGATE_AUDIT_TABLE: { Ref: auditTableId },
          TOKENGATE_AUDIT_RETENTION_DAYS: '400',
        });
      } else {
        expect(given(AUDIT_ENVIRONMENT)).toEqual([]);
      }
      const known = [...TOKEN_ENVIRONMENT, ...AUDIT_ENVIRONMENT];
      expect(
        Object.keys(environment).filter((name) => name.startsWith('TOKENGATE_') && !known.includes(name)),
      ).toEqual([]);
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
