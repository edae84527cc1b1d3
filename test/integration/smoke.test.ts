import { describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';

describe('DynamoDB Local harness', () => {
  it('a fresh tokens table starts empty', async () => {
    const store = new DynamoTokenStore(testDocumentClient(), {
      tableName: await freshTokensTable(),
      retentionDays: 30,
    });
    expect(await store.listLive()).toEqual([]);
  });
});
