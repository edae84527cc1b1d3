// Test helpers for DynamoDB Local: clients on the run's shared instance, and fresh tables per test.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTables } from '../../local/dynamodb-local';
import { documentClient, dynamoClient } from '../../shared/clients';
import { type TableDefinition, TOKENS_TABLE } from '../../shared/tables';

export function testEndpoint(): string {
  return inject('dynamoEndpoint');
}

export function testDocumentClient() {
  return documentClient(testEndpoint());
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
