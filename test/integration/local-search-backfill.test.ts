// A local data folder from before the search postings: its first start (prepareDataDir) posts the
// tokens already there, so a search finds them.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '#adapters/clients';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { parseListQuery } from '#api/native-tokens';
import { TokenService } from '#domain/token-service';
import { dataDirAt, LOCAL_SEARCH_TABLE, LOCAL_TOKENS_TABLE, prepareDataDir } from '#local/data-dir';
import { testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { ADMIN, newKeyRing, staticKeys } from './fixtures';

const root = mkdtempSync(join(tmpdir(), 'tokengate-search-backfill-'));
const client = testDocumentClient();
const keys = staticKeys(newKeyRing());

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a data folder made before the search postings', () => {
  it('gets the tokens already there posted at its next start, so a search finds them', async () => {
    const dir = dataDirAt(root);
    await prepareDataDir(dir, testEndpoint());
    // As an older version left it: tokens, but no search table and no mark.
    const admin = dynamoClient(testEndpoint());
    await admin.send(new DeleteTableCommand({ TableName: LOCAL_SEARCH_TABLE }));
    admin.destroy();
    rmSync(dir.searchPostedFile);
    const older = new TokenService({
      store: new DynamoTokenStore(client, { tableName: LOCAL_TOKENS_TABLE, retentionDays: 30 }),
      keys,
    });
    const { record } = await older.create(
      {
        kind: 'user',
        description: 'made before the postings',
        userEmail: null,
        scopes: [{ scope: 'repos:read', resources: null }],
        expiresAt: null,
      },
      ADMIN,
    );

    await prepareDataDir(dir, testEndpoint());

    const now = new TokenService({
      store: new DynamoTokenStore(client, {
        tableName: LOCAL_TOKENS_TABLE,
        retentionDays: 30,
        searchTableName: LOCAL_SEARCH_TABLE,
      }),
      keys,
    });
    const found = await now.list(parseListQuery({ q: 'BEFORE THE' }));
    expect(found.items.map((token) => token.id)).toEqual([record.id]);
    expect(existsSync(dir.searchPostedFile)).toBe(true);
  });
});
