import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { readAuditConfig, readConfig, readRotatedTokenConfig, readUsageConfig } from '#adapters/config';
import { FUNCTION_TAG, PROJECT_ROOT } from '#cdk/function';
import { bindNeeds } from '#cdk/grants';
import { ROTATION_ACTIONS } from '#cdk/rotation';
import { ALL_FUNCTIONS, AUTHORIZER, type FunctionDef } from '#spec/functions';
import { AUDIT_TABLE, SEARCH_TABLE, TOKENS_TABLE, USAGE_TABLE } from '#spec/tables';
import {
  actionsOf,
  lambdaFunction,
  onlyResource,
  roleStatements,
  type Statement,
  synthStack,
  table,
  unbundledApp,
} from './template';

/** tokengate's own functions: each is tagged with the definition it was built from. */
const TOKENGATE_FUNCTION = {
  Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: Match.anyValue() }]) },
};
const { template } = synthStack();
const [tableId] = table(template, TOKENS_TABLE);
const [auditTableId] = table(template, AUDIT_TABLE);
const [searchTableId] = table(template, SEARCH_TABLE);
const [usageTableId] = table(template, USAGE_TABLE);
const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret', {
  Properties: { Description: Match.stringLikeRegexp('HMAC key ring') },
});
const [consumerSecretId] = onlyResource(template, 'AWS::SecretsManager::Secret', {
  Properties: { Description: Match.stringLikeRegexp('Example API consumer') },
});
const [failureQueueId] = onlyResource(template, 'AWS::SQS::Queue', {});
const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
const auditTableArn = { 'Fn::GetAtt': [auditTableId, 'Arn'] };
const searchTableArn = { 'Fn::GetAtt': [searchTableId, 'Arn'] };
const usageTableArn = { 'Fn::GetAtt': [usageTableId, 'Arn'] };

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

/** What each function's role holds besides its logs and traces, written out by hand: not read from shared/. */
type On =
  | 'tokens table'
  | 'tokens indexes'
  | 'audit table'
  | 'audit indexes'
  | 'search table'
  | 'usage table'
  | 'key secret'
  | 'consumer secret'
  | 'tokens stream'
  | 'failure queue'
  | 'expiry index'
  | 'default event bus'
  | 'any';

interface Grant {
  actions: string[];
  on: On;
  condition?: Record<string, Record<string, unknown>>;
}

/** AWS's advice for UpdateItem on some attributes only: nothing else named, nothing else returned. */
const updatesOnly = (attributes: string[]) => ({
  'ForAllValues:StringEquals': { 'dynamodb:Attributes': attributes },
  StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
});

const REVOKE_ATTRIBUTES = ['created_sk', 'id', 'name_sk', 'revoked_at', 'revoked_by', 'stamp', 'ttl'];

/** A rotation's: the old token's expiry, TTL, link and stamp, on a condition that reads its revocation. */
const ROTATE_ATTRIBUTES = ['expires_at', 'id', 'revoked_at', 'rotated_to', 'stamp', 'ttl'];

const GRANTS: Record<string, Grant[]> = {
  Authorizer: [
    { actions: ['dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(['id', 'last_used_at']) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  AuditConsumer: [
    { actions: ['dynamodb:PutItem'], on: 'audit table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    { actions: ['dynamodb:ListStreams'], on: 'any' }, // no resource-level permissions
    // TableV2's stream grant names the stream for it too, which allows nothing: the one above does.
    { actions: ['dynamodb:ListStreams'], on: 'tokens stream' },
    {
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      on: 'tokens stream',
    },
    { actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], on: 'failure queue' },
  ],
  // Puts a batch's markers and adds to its counters, nothing else: not even a read.
  UsageRecorder: [
    { actions: ['dynamodb:PutItem'], on: 'usage table' },
    {
      actions: ['dynamodb:UpdateItem'],
      on: 'usage table',
      condition: updatesOnly(['date', 'denied', 'requests', 'token_id', 'ttl']),
    },
  ],
  // The Connect functions check their caller's token themselves, as the authorizer does: its read of
  // the token, its last_used_at write and the key secret come with that (`checksOwnToken`).
  CreateServiceToken: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(['id', 'last_used_at']) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  ListServiceTokens: [
    { actions: ['dynamodb:GetItem', 'dynamodb:Query'], on: 'tokens table' },
    { actions: ['dynamodb:Query'], on: 'tokens indexes' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(['id', 'last_used_at']) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  ListServiceTokenScopes: [
    { actions: ['dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(['id', 'last_used_at']) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  DeleteServiceToken: [
    { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    {
      actions: ['dynamodb:UpdateItem'],
      on: 'tokens table',
      condition: updatesOnly([...REVOKE_ATTRIBUTES, 'last_used_at'].sort()),
    },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  CreateToken: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  ListTokens: [
    { actions: ['dynamodb:BatchGetItem', 'dynamodb:Query'], on: 'tokens table' },
    { actions: ['dynamodb:Query'], on: 'tokens indexes' },
    { actions: ['dynamodb:Query'], on: 'search table' },
    { actions: ['dynamodb:Query'], on: 'usage table' },
  ],
  // Reads the token (404 if unknown), then its days.
  TokenUsage: [
    { actions: ['dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:Query'], on: 'usage table' },
  ],
  GetToken: [{ actions: ['dynamodb:GetItem'], on: 'tokens table' }],
  UpdateToken: [
    { actions: ['dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    {
      actions: ['dynamodb:UpdateItem'],
      on: 'tokens table',
      condition: updatesOnly(['description', 'id', 'name_sk', 'search_text', 'stamp', 'user_email']),
    },
  ],
  RevokeToken: [
    { actions: ['dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(REVOKE_ATTRIBUTES) },
  ],
  RotateToken: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(ROTATE_ATTRIBUTES) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  RotateSelfToken: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(ROTATE_ATTRIBUTES) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  RevokeLeakedTokens: [
    { actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'], on: 'tokens table' },
    { actions: ['dynamodb:UpdateItem'], on: 'tokens table', condition: updatesOnly(REVOKE_ATTRIBUTES) },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
  ],
  WhoAmI: [{ actions: ['dynamodb:GetItem'], on: 'tokens table' }],
  TokenSecretRotation: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], on: 'tokens table' },
    { actions: ['dynamodb:BatchWriteItem'], on: 'search table' },
    {
      actions: ['dynamodb:UpdateItem'],
      on: 'tokens table',
      condition: updatesOnly([...REVOKE_ATTRIBUTES, 'expires_at', 'rotated_from', 'rotated_to'].sort()),
    },
    { actions: ['secretsmanager:GetSecretValue'], on: 'key secret' },
    // Each RotatedToken's secret, and no other: the example app has one.
    { actions: ROTATION_ACTIONS, on: 'consumer secret' },
  ],
  KeySecretRotation: [{ actions: ROTATION_ACTIONS, on: 'key secret' }],
  ListScopes: [],
  ListAuditEvents: [
    { actions: ['dynamodb:Query'], on: 'audit table' },
    { actions: ['dynamodb:Query'], on: 'audit indexes' },
  ],
  OpenApiDocument: [],
  ProtectedEcho: [],
  ExpiryWarner: [
    { actions: ['dynamodb:Query'], on: 'tokens table' },
    { actions: ['dynamodb:Query'], on: 'expiry index' },
    {
      actions: ['dynamodb:UpdateItem'],
      on: 'tokens table',
      condition: updatesOnly([
        'expires_at',
        'expiry_published_for',
        'expiry_warned_for',
        'id',
        'revoked_at',
        'rotated_to',
        'stamp',
      ]),
    },
    { actions: ['events:PutEvents'], on: 'default event bus' },
  ],
};

const indexes = (arn: unknown, names: string[]) =>
  names.map((name) => ({ 'Fn::Join': ['', [arn, `/index/${name}`]] }));

const RESOURCES: Record<On, unknown> = {
  'tokens table': tableArn,
  'tokens indexes': indexes(tableArn, ['by_created', 'by_name', 'by_expiry']),
  'expiry index': indexes(tableArn, ['by_expiry'])[0], // one resource: CloudFormation's form is no list
  'audit table': auditTableArn,
  'audit indexes': indexes(auditTableArn, ['by_token', 'by_actor', 'by_type', 'by_time']),
  'search table': searchTableArn,
  'usage table': usageTableArn,
  'key secret': { Ref: secretId },
  'consumer secret': { Ref: consumerSecretId },
  'tokens stream': { 'Fn::GetAtt': [tableId, 'StreamArn'] },
  'failure queue': { 'Fn::GetAtt': [failureQueueId, 'Arn'] },
  'default event bus': {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':event-bus/default',
      ],
    ],
  },
  any: '*',
};

/** Statements in one order, each with its actions as a sorted list, to compare as sets. */
function sortedStatements(statements: Statement[]): Statement[] {
  return statements
    .map((statement) => ({ ...statement, Action: [...actionsOf(statement)].sort() }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function expectedActions(definition: FunctionDef): string[] {
  const { needs } = definition;
  const actions = new Set([
    ...[...needs.tokens, ...(needs.audit ?? []), ...(needs.search ?? []), ...(needs.usage ?? [])].map(
      (action) => `dynamodb:${action}`,
    ),
    ...(needs.hmacKey ? ['secretsmanager:GetSecretValue'] : []),
    ...(needs.tokensStream ? STREAM_CONSUMER_ACTIONS : []),
    ...(needs.rotatesSecrets ? ROTATION_ACTIONS : []),
    ...(needs.defaultEventBus ? ['events:PutEvents'] : []),
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
/** The modules that read the token configuration (shared/adapters/config.ts readConfig). */
const TOKEN_RUNTIMES = [
  'functions/commons/runtime.ts',
  'functions/authorizer/runtime.ts',
  'functions/rotation/token-secret.ts',
  'functions/commons/expiry-runtime.ts',
];
const AUDIT_RUNTIME = 'functions/commons/audit-runtime.ts';
const USAGE_RUNTIME = 'functions/commons/usage-runtime.ts';
const USAGE_ENVIRONMENT = ['TOKENGATE_USAGE_TABLE'];
const TOKEN_ENVIRONMENT = ['TOKENGATE_TOKENS_TABLE', 'TOKENGATE_KEY_SECRET_ID', 'TOKENGATE_RETENTION_DAYS'];
const AUDIT_ENVIRONMENT = ['TOKENGATE_AUDIT_TABLE', 'TOKENGATE_AUDIT_RETENTION_DAYS'];
/** The search postings table: the functions that post tokens or search them. */
const SEARCH_ENVIRONMENT = ['TOKENGATE_SEARCH_TABLE'];
/**
 * The cache TTL: the authorizer refuses REST tokens that would outlive it in a cached answer, and the
 * functions that create or rotate tokens refuse an expiry or grace too short to pass it.
 */
const AUTHORIZER_ENVIRONMENT = ['TOKENGATE_AUTHORIZER_CACHE_TTL'];
/** People sign-in: for the functions whose bundle decides who a caller is (the authorizer's runtime). */
const PEOPLE_ENVIRONMENT = [
  'TOKENGATE_OIDC_ISSUER',
  'TOKENGATE_OIDC_CLIENT_ID',
  'TOKENGATE_OIDC_GROUPS_CLAIM',
  'TOKENGATE_OIDC_ADMIN_GROUP',
];
const KNOW_THE_CACHE_TTL = [
  'Authorizer',
  'TokenSecretRotation',
  // The Connect functions make the authorizer's decision themselves.
  'CreateServiceToken',
  'ListServiceTokens',
  'ListServiceTokenScopes',
  'DeleteServiceToken',
  'CreateToken',
  'RotateToken',
  'RotateSelfToken',
];
/** The expiry-warning scan alone needs its window. */
const EXPIRY_ENVIRONMENT = ['TOKENGATE_EXPIRY_WARNING_SECONDS'];
/** A RotatedToken's rotation function alone: the one secret it rotates, and what it mints. */
/** Every function: the gate its metrics are published for. */
const METRICS_ENVIRONMENT = ['TOKENGATE_METRICS_GATE'];
const ROTATED_ENVIRONMENT = [
  'TOKENGATE_ROTATED_SECRET_ARN',
  'TOKENGATE_ROTATED_DESCRIPTION',
  'TOKENGATE_ROTATED_SCOPES',
  'TOKENGATE_ROTATED_GRACE_SECONDS',
];

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

    it('logs as the tokengate service, with no source maps unless asked for', () => {
      expect(environmentOf(definition)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'tokengate',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(environmentOf(definition)).not.toHaveProperty('NODE_OPTIONS');
    });

    it('may do exactly what its needs declare, and nothing else but write logs and traces', () => {
      const actions = new Set(roleStatements(template, definition.name).flatMap(actionsOf));
      expect([...actions].sort()).toEqual(expectedActions(definition));
    });

    it('holds exactly the grants written out for it below, each on its resource, UpdateItem on named attributes only', () => {
      const [, fn] = lambdaFunction(template, definition.name);
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const expected = [
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], on: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
        { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], on: '*' }, // no resource-level permissions
        ...(GRANTS[definition.name] ?? []).map((grant) => ({ ...grant, on: RESOURCES[grant.on] })),
      ];

      expect(sortedStatements(roleStatements(template, definition.name))).toEqual(
        sortedStatements(
          expected.map(({ actions, on, condition }) => ({
            Action: actions,
            Effect: 'Allow',
            Resource: on,
            ...(condition && { Condition: condition }),
          })),
        ),
      );
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
      if (modules.includes(USAGE_RUNTIME)) {
        expect(() => readUsageConfig(resolved)).not.toThrow();
        expect(environment).toMatchObject({ TOKENGATE_USAGE_TABLE: { Ref: usageTableId } });
      } else {
        expect(given(USAGE_ENVIRONMENT)).toEqual([]);
      }
      if ((definition.needs.search ?? []).length > 0) {
        expect(environment).toMatchObject({ TOKENGATE_SEARCH_TABLE: { Ref: searchTableId } });
      } else {
        expect(given(SEARCH_ENVIRONMENT)).toEqual([]);
      }
      if (KNOW_THE_CACHE_TTL.includes(definition.name)) {
        expect(environment).toMatchObject({ TOKENGATE_AUTHORIZER_CACHE_TTL: '30' });
      } else {
        expect(given(AUTHORIZER_ENVIRONMENT)).toEqual([]);
      }
      if (modules.includes('functions/authorizer/runtime.ts')) {
        expect(given(PEOPLE_ENVIRONMENT)).toEqual(PEOPLE_ENVIRONMENT);
      } else {
        expect(given(PEOPLE_ENVIRONMENT)).toEqual([]);
      }
      if (definition.name === 'ExpiryWarner') {
        expect(environment).toMatchObject({ TOKENGATE_EXPIRY_WARNING_SECONDS: String(14 * 86_400) });
      } else {
        expect(given(EXPIRY_ENVIRONMENT)).toEqual([]);
      }
      if (definition.name === 'TokenSecretRotation') {
        expect(() => readRotatedTokenConfig(resolved)).not.toThrow();
        expect(environment).toMatchObject({
          TOKENGATE_ROTATED_SECRET_ARN: { Ref: consumerSecretId },
          TOKENGATE_ROTATED_DESCRIPTION: 'Example API consumer',
        });
      } else {
        expect(given(ROTATED_ENVIRONMENT)).toEqual([]);
      }
      // The example API's backend is the stack's own, not the gate's.
      if (definition.name !== 'ProtectedEcho') {
        expect(environment).toMatchObject({ TOKENGATE_METRICS_GATE: 'TokenGateTest/Tokens' });
      }
      const known = [
        ...METRICS_ENVIRONMENT,
        ...TOKEN_ENVIRONMENT,
        ...AUDIT_ENVIRONMENT,
        ...SEARCH_ENVIRONMENT,
        ...USAGE_ENVIRONMENT,
        ...AUTHORIZER_ENVIRONMENT,
        ...PEOPLE_ENVIRONMENT,
        ...EXPIRY_ENVIRONMENT,
        ...ROTATED_ENVIRONMENT,
      ];
      expect(
        Object.keys(environment).filter((name) => name.startsWith('TOKENGATE_') && !known.includes(name)),
      ).toEqual([]);
    });
  },
);

describe('binding a function to its needs', () => {
  it('refuses UpdateItem on the tokens table without the attributes it updates', () => {
    const stack = new Stack(unbundledApp(), 'Bare');
    const fn = new LambdaFunction(stack, 'Updater', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = () => {};'),
    });
    const resources = {
      tokensTable: new Table(stack, 'Tokens', { partitionKey: { name: 'id', type: AttributeType.STRING } }),
      auditTable: new Table(stack, 'Audit', { partitionKey: { name: 'id', type: AttributeType.STRING } }),
      searchTable: new Table(stack, 'Search', {
        partitionKey: { name: 'trigram', type: AttributeType.STRING },
        sortKey: { name: 'id', type: AttributeType.STRING },
      }),
      usageTable: new Table(stack, 'Usage', {
        partitionKey: { name: 'token_id', type: AttributeType.STRING },
        sortKey: { name: 'date', type: AttributeType.STRING },
      }),
      keySecret: new Secret(stack, 'Key'),
      retentionDays: 30,
      auditRetentionDays: 400,
    };

    expect(() => bindNeeds(fn, { tokens: ['GetItem', 'UpdateItem'], hmacKey: false }, resources)).toThrow(
      /UpdateItem on table Tokens is granted only with the attributes it updates/,
    );
  });
});

describe('the authorizer function', () => {
  it('gives up within 5 seconds, so a stuck check fails closed quickly', () => {
    const [, fn] = lambdaFunction(template, AUTHORIZER.name);
    expect(fn.Properties.Timeout).toBeLessThanOrEqual(5);
  });
});

describe('the deployment', () => {
  it('gives each function its timeout: 5 s the authorizer, 30 s the audit consumer, the usage recorder and the rotations, 300 s the expiry scan, 10 s an HTTP function', () => {
    const timeouts = Object.fromEntries(
      ALL_FUNCTIONS.map(({ name }) => [name, lambdaFunction(template, name)[1].Properties.Timeout]),
    );
    const expected = (name: string) =>
      ({
        Authorizer: 5,
        AuditConsumer: 30,
        UsageRecorder: 30,
        TokenSecretRotation: 30,
        KeySecretRotation: 30,
        ExpiryWarner: 300,
      })[name] ?? 10;
    expect(timeouts).toEqual(Object.fromEntries(Object.keys(GRANTS).map((name) => [name, expected(name)])));
  });

  it('has grants written out above for every function it runs, and for no other', () => {
    expect(Object.keys(GRANTS).sort()).toEqual(ALL_FUNCTIONS.map((definition) => definition.name).sort());
  });

  it('grants UpdateItem nowhere without naming the attributes, and never a Deny, Resource-less or NotAction statement', () => {
    const statements = ALL_FUNCTIONS.flatMap((definition) => roleStatements(template, definition.name));
    for (const statement of statements) {
      expect(Object.keys(statement).sort()).toEqual(
        statement.Condition
          ? ['Action', 'Condition', 'Effect', 'Resource']
          : ['Action', 'Effect', 'Resource'],
      );
      expect(statement.Effect).toBe('Allow');
      if (actionsOf(statement).includes('dynamodb:UpdateItem')) {
        expect(actionsOf(statement)).toEqual(['dynamodb:UpdateItem']);
        expect(Object.keys(statement.Condition ?? {}).sort()).toEqual([
          'ForAllValues:StringEquals',
          'StringEqualsIfExists',
        ]);
      }
    }
  });

  it('runs every function of the route table, once each, and no other but the CDK’s own', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    // The one the CDK adds to copy the console's files into its bucket (BucketDeployment).
    expect(functions).toHaveLength(ALL_FUNCTIONS.length + 1);
    expect(Object.keys(template.findResources('Custom::CDKBucketDeployment'))).toHaveLength(1);
    expect(Object.values(template.findResources('AWS::Lambda::Function', TOKENGATE_FUNCTION))).toHaveLength(
      ALL_FUNCTIONS.length,
    );
    for (const definition of ALL_FUNCTIONS) lambdaFunction(template, definition.name);
  });

  it('runs every function on nodejs22.x', () => {
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function', TOKENGATE_FUNCTION)).map(
      (fn) => fn.Properties.Runtime,
    );
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
  });
});
