// Test helpers for DynamoDB Local: clients on the run's shared instance, and fresh tables per test.
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { inject } from 'vitest';
import { ensureTables } from '../../local/dynamodb-local';
import { AwsJsonClient, type AwsJsonClientOptions, DYNAMODB } from '../../shared/aws/json-client';
import { documentClient, dynamoClient } from '../../shared/clients';
import { localClientConfig } from '../../shared/config';
import { DynamoCredentialStore } from '../../shared/dynamo-credential-store';
import { type TableDefinition, TOKENS_TABLE } from '../../shared/tables';

export function testEndpoint(): string {
  return inject('dynamoEndpoint');
}

export function testDocumentClient() {
  return documentClient(testEndpoint());
}

/** The SDK-free client the authorizer uses, on DynamoDB Local. */
export function testJsonClient(options: AwsJsonClientOptions = {}): AwsJsonClient {
  return new AwsJsonClient(DYNAMODB, { ...localClientConfig(testEndpoint()), ...options });
}

/** The authorizer's view of a tokens table. */
export function testCredentialStore(table: string): DynamoCredentialStore {
  return new DynamoCredentialStore(testJsonClient(), table);
}

export interface RequestLog {
  /** The DynamoDB operations sent to DynamoDB Local, in order (`GetItem`, `UpdateItem`, ...). */
  readonly sent: string[];
  count(operation?: string): number;
  clear(): void;
  stop(): void;
}

/**
 * Records every HTTP request this process sends to DynamoDB Local from now on, from any client,
 * through Node's `http.client.request.start` diagnostics channel: what really goes on the wire.
 */
export function watchDynamoRequests(): RequestLog {
  const { host } = new URL(testEndpoint());
  const sent: string[] = [];
  const listener = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (request.getHeader('host') !== host) return;
    const target = String(request.getHeader('x-amz-target') ?? '');
    sent.push(target.slice(target.indexOf('.') + 1));
  };
  subscribe('http.client.request.start', listener);
  return {
    sent,
    count: (operation) => (operation ? sent.filter((name) => name === operation).length : sent.length),
    clear: () => {
      sent.length = 0;
    },
    stop: () => unsubscribe('http.client.request.start', listener),
  };
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
