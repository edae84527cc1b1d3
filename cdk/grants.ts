// From a function's declared needs to its environment and IAM policy, so that what a function may
// touch is written once, in shared/spec/functions.ts, and the stack cannot grant more.

import { type Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '#spec/defaults';
import { ENV } from '#spec/env';
import type { FunctionNeeds, TableAction } from '#spec/functions';
import { AUDIT_TABLE, SEARCH_TABLE, type TableDefinition, TOKENS_TABLE, USAGE_TABLE } from '#spec/tables';
import { suppressNagRules } from './nag-suppressions';

/**
 * The resources a tokengate function may be bound to (`TokenGate` is one); the tables are
 * `TOKENS_TABLE`, `AUDIT_TABLE`, `SEARCH_TABLE` and `USAGE_TABLE`.
 */
export interface TokenGateResources {
  readonly tokensTable: ITable;
  readonly keySecret: ISecret;
  readonly retentionDays: number;
  readonly auditTable: ITable;
  readonly auditRetentionDays: number;
  readonly searchTable: ITable;
  readonly usageTable: ITable;
  /**
   * The authorizer cache TTL, for the functions that need it (`needs.authorizerCacheTtl`).
   * @default Duration.seconds(DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * The customer-managed KMS key the tables and the key secret are encrypted with.
   * @default none: AWS owned and managed keys, which need no grant
   */
  readonly encryptionKey?: IKey;
}

/** The table actions that only read. */
const READ_ACTIONS: readonly TableAction[] = ['GetItem', 'BatchGetItem', 'Query'];

/**
 * Lets `fn` use `key` for what it does to the data the key encrypts: decrypt only for a reader
 * (`grantDecrypt`), encrypt too for a writer (`grantEncryptDecrypt`).
 */
export function grantKey(fn: LambdaFunction, key: IKey, writes: boolean): void {
  if (!writes) {
    key.grantDecrypt(fn);
    return;
  }
  key.grantEncryptDecrypt(fn);
  if (fn.role) {
    suppressNagRules(fn.role, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*'],
        reason:
          "The CDK's grantEncryptDecrypt on the deployment's own KMS key, the one resource granted: writing " +
          'data it encrypts needs a data key, whose action names end in a wildcard.',
      },
    ]);
  }
}

/**
 * Functions that touch the token store load `functions/commons/runtime.ts`, whose `readConfig()`
 * requires the table name and a key source at start. Environment variables are not permissions:
 * a function that never reads the key still gets the secret's ARN, but no right to read it.
 */
export function needsConfig(needs: FunctionNeeds): boolean {
  return needs.tokens.length > 0 || needs.hmacKey;
}

/**
 * What an UpdateItem may return (AWS's advice with `dynamodb:Attributes`): nothing, or the attributes it
 * updated; `ALL_OLD` and `ALL_NEW` would read attributes beyond the list.
 */
const RETURN_VALUES_WITHIN_ATTRIBUTES = ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'];

/**
 * Each action on the table, UpdateItem only on the attributes in `updates` and the table's key, and
 * Query also on its indexes, by name.
 */
function grantTable(
  fn: LambdaFunction,
  actions: readonly TableAction[],
  table: ITable,
  definition: TableDefinition,
  updates: readonly string[] = [],
  indexes: readonly string[] = definition.indexes.map((index) => index.name),
): void {
  const unconditioned = actions.filter((action) => action !== 'UpdateItem');
  if (unconditioned.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: unconditioned.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
      }),
    );
  }
  if (actions.includes('UpdateItem')) {
    if (updates.length === 0) {
      throw new Error(
        `${fn.node.path}: UpdateItem on table ${definition.id} is granted only with the attributes it updates (needs.updates)`,
      );
    }
    const key = [definition.partitionKey.name, ...(definition.sortKey ? [definition.sortKey.name] : [])];
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...new Set([...key, ...updates])].sort() },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': RETURN_VALUES_WITHIN_ATTRIBUTES },
        },
      }),
    );
  }
  if (actions.includes('Query') && indexes.length > 0) {
    const unknown = indexes.filter((name) => !definition.indexes.some((index) => index.name === name));
    if (unknown.length > 0)
      throw new Error(`${fn.node.path}: table ${definition.id} has no index ${unknown.join(', ')}`);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: indexes.map((name) => `${table.tableArn}/index/${name}`),
      }),
    );
  }
}

/**
 * Sets the environment `shared/adapters/config.ts` reads and grants exactly `needs`: each table action on its
 * table (Query also on its indexes, by name; UpdateItem only on `needs.updates` and the key, returning
 * nothing beyond them), `secretsmanager:GetSecretValue` on the key secret, `events:PutEvents` on
 * the default event bus, and the use of `encryptionKey` when there is one (decrypt to read, encrypt
 * too to write).
 * Reading the tokens table's stream (`needs.tokensStream`) is granted by the event source mapping.
 */
export function bindNeeds(fn: LambdaFunction, needs: FunctionNeeds, resources: TokenGateResources): void {
  const { tokensTable, keySecret, auditTable, searchTable, usageTable } = resources;
  const audit = needs.audit ?? [];
  const search = needs.search ?? [];
  const usage = needs.usage ?? [];
  if (needsConfig(needs)) {
    fn.addEnvironment(ENV.tokensTable, tokensTable.tableName);
    fn.addEnvironment(ENV.keySecretId, keySecret.secretArn);
    fn.addEnvironment(ENV.retentionDays, String(resources.retentionDays));
  }
  if (needs.authorizerCacheTtl) {
    const ttl = resources.authorizerCacheTtl?.toSeconds() ?? DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS;
    fn.addEnvironment(ENV.authorizerCacheTtl, String(ttl));
  }
  if (audit.length > 0) {
    fn.addEnvironment(ENV.auditTable, auditTable.tableName);
    fn.addEnvironment(ENV.auditRetentionDays, String(resources.auditRetentionDays));
  }
  grantTable(fn, needs.tokens, tokensTable, TOKENS_TABLE, needs.updates, needs.tokenIndexes);
  if (search.length > 0) fn.addEnvironment(ENV.searchTable, searchTable.tableName);
  grantTable(fn, audit, auditTable, AUDIT_TABLE);
  grantTable(fn, search, searchTable, SEARCH_TABLE);
  if (usage.length > 0) fn.addEnvironment(ENV.usageTable, usageTable.tableName);
  grantTable(fn, usage, usageTable, USAGE_TABLE, needs.usageUpdates);
  if (needs.hmacKey) {
    // Powertools' SecretsProvider only calls GetSecretValue; the key it is encrypted with is granted above.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [keySecret.secretArn] }),
    );
  }
  const { encryptionKey } = resources;
  const tableActions = [...needs.tokens, ...audit, ...search, ...usage];
  if (encryptionKey && (tableActions.length > 0 || needs.hmacKey)) {
    grantKey(
      fn,
      encryptionKey,
      tableActions.some((action) => !READ_ACTIONS.includes(action)),
    );
  }
  if (needs.defaultEventBus) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [
          Stack.of(fn).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        ],
      }),
    );
  }
}
