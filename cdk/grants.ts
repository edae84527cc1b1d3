// From a function's declared needs to its environment and IAM policy, so that what a function may
// touch is written once, in shared/routes.ts, and the stack cannot grant more.

import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { FunctionNeeds } from '../shared/routes';
import { TOKENS_TABLE } from '../shared/tables';

/** The resources a tokengate function may be bound to (`TokenGate` is one); the table is `TOKENS_TABLE`. */
export interface TokenGateResources {
  readonly tokensTable: ITable;
  readonly keySecret: ISecret;
  readonly retentionDays: number;
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
 * Sets the environment `shared/config.ts` reads and grants exactly `needs`: each table action on the
 * table (Query also on its indexes, by name), and `secretsmanager:GetSecretValue` on the key secret.
 */
export function bindNeeds(fn: LambdaFunction, needs: FunctionNeeds, resources: TokenGateResources): void {
  const { tokensTable, keySecret } = resources;
  if (needsConfig(needs)) {
    fn.addEnvironment('TOKENGATE_TOKENS_TABLE', tokensTable.tableName);
    fn.addEnvironment('TOKENGATE_KEY_SECRET_ID', keySecret.secretArn);
    fn.addEnvironment('TOKENGATE_RETENTION_DAYS', String(resources.retentionDays));
  }
  if (needs.tokens.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: needs.tokens.map((action) => `dynamodb:${action}`),
        resources: [tokensTable.tableArn],
      }),
    );
  }
  if (needs.tokens.includes('Query') && TOKENS_TABLE.indexes.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: TOKENS_TABLE.indexes.map((index) => `${tokensTable.tableArn}/index/${index.name}`),
      }),
    );
  }
  if (needs.hmacKey) {
    // Powertools' SecretsProvider only calls GetSecretValue; the secret uses the AWS managed key.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [keySecret.secretArn] }),
    );
  }
}
