// One DynamoDB Local for the integration tests (it takes seconds to start); each test file makes its
// own uniquely named tables in it, and finds it with `inject('dynamoEndpoint')`.
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '#local/dynamodb-local';

let db: DynamoDbLocal | undefined;

export async function setup(project: TestProject): Promise<void> {
  db = await startDynamoDbLocal();
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
