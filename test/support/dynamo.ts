// Test helpers for DynamoDB Local: clients on the run's shared instance, and fresh tables per test.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { documentClient, dynamoClient } from '#adapters/clients';
import { localClientConfig } from '#adapters/config';
import { DynamoCredentialStore } from '#adapters/dynamo-credential-store';
import { AwsJsonClient, type AwsJsonClientOptions, DYNAMODB } from '#aws/json-client';
import { ensureTables } from '#local/dynamodb-local';
import { type RequestLog, watchAwsRequests } from './wire-log';

export type { RequestLog };

import { AUTHORIZER_CALL_DEADLINE_MS } from '#spec/functions';
import { type TableDefinition, TOKENS_TABLE } from '#spec/tables';

export function testEndpoint(): string {
  return inject('dynamoEndpoint');
}

export function testDocumentClient() {
  return documentClient(testEndpoint());
}

/** The SDK-free client the authorizer uses, on DynamoDB Local. */
export function testJsonClient(options: Partial<AwsJsonClientOptions> = {}): AwsJsonClient {
  return new AwsJsonClient(DYNAMODB, {
    deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
    ...localClientConfig(testEndpoint()),
    ...options,
  });
}

/** The authorizer's view of a tokens table. */
export function testCredentialStore(table: string): DynamoCredentialStore {
  return new DynamoCredentialStore(testJsonClient(), table);
}

/** Every request this process sends to this run's DynamoDB Local from now on (see wire-log.ts). */
export function watchDynamoRequests(): RequestLog {
  return watchAwsRequests(new URL(testEndpoint()).host);
}

/** A new, empty table of `definition` with a unique name. */
export async function freshTable(definition: TableDefinition): Promise<string> {
  const name = `${definition.id.toLowerCase()}-${randomUUID()}`;
  const client = dynamoClient(testEndpoint());
  await ensureTables(client, [{ definition, name }]);
  client.destroy();
  return name;
}

/** A new, empty tokens table with a unique name. */
export function freshTokensTable(): Promise<string> {
  return freshTable(TOKENS_TABLE);
}

/** The DynamoDB commands `logged` sends from now on, with their inputs, in order. */
export function captureCommands(logged: DynamoDBDocumentClient) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  logged.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'captureCommands' },
  );
  return sent;
}
