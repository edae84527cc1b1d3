// One DynamoDB Local for the whole test run (it takes seconds to start); each test file makes its
// own uniquely named tables in it. The run's log folder is made here too, and searched for leaked
// tokens at the end (see token-leak-scan.ts).
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '#local/dynamodb-local';
import { checkNoTokenInLogs, openLogDir } from './token-leak-check';

let db: DynamoDbLocal | undefined;

export async function setup(project: TestProject): Promise<void> {
  openLogDir();
  db = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', db.endpoint);
}

export async function teardown(): Promise<void> {
  await db?.stop();
  checkNoTokenInLogs();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
