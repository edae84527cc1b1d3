// One DynamoDB Local for the integration tests (it takes seconds to start); each test file makes its
// own uniquely named tables in it, and finds it with `inject('dynamoEndpoint')`.
import type { TestProject } from 'vitest/node';
import { dynamoClient } from '#adapters/dynamo-client';
import { type DynamoDbLocal, ensureTables, startDynamoDbLocal } from '#local/dynamodb-local';
import { USAGE_TABLE } from '#spec/tables';

/**
 * A usage table every test file's handlers may share (`useLocalHandlerEnv`'s default): the functions
 * that read usage need one at start; a test of usage makes its own.
 */
export const SHARED_USAGE_TABLE = 'shared-usage';

let db: DynamoDbLocal | undefined;

export async function setup(project: TestProject): Promise<void> {
  db = await startDynamoDbLocal();
  const client = dynamoClient(db.endpoint);
  await ensureTables(client, [{ definition: USAGE_TABLE, name: SHARED_USAGE_TABLE }]);
  client.destroy();
  project.provide('dynamoEndpoint', db.endpoint);
}

export async function teardown(): Promise<void> {
  await db?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
