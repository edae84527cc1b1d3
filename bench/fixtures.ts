// What the benchmarks run against: AWS's DynamoDB Local with fresh tables, a key file, and the
// environment the Lambda handlers read at import time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamoClient } from '#adapters/clients';
import { FileKeyRingSource } from '#adapters/file-keyring';
import type { TokenRecord } from '#domain/token';
import { mintToken } from '#domain/token-format';
import type { Stamp } from '#domain/token-store';
import { type DynamoDbLocal, ensureTables, startDynamoDbLocal } from '#local/dynamodb-local';
import { ENV } from '#spec/env';
import { AUDIT_TABLE, SEARCH_TABLE, TOKENS_TABLE, USAGE_TABLE } from '#spec/tables';

export interface BenchDatabase {
  db: DynamoDbLocal;
  tokensTable: string;
  auditTable: string;
  /** The search postings (SEARCH_TABLE), which the handlers keep and read. */
  searchTable: string;
  keyFile: string;
  /** A directory of the benchmark's own (the key file's). */
  dir: string;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const db = await startDynamoDbLocal({ heapMb: 1024 });
  const tokensTable = 'bench-tokens';
  const auditTable = 'bench-audit';
  const searchTable = 'bench-search';
  const usageTable = 'bench-usage';
  const client = dynamoClient(db.endpoint);
  await ensureTables(client, [
    { definition: TOKENS_TABLE, name: tokensTable },
    { definition: AUDIT_TABLE, name: auditTable },
    { definition: SEARCH_TABLE, name: searchTable },
    { definition: USAGE_TABLE, name: usageTable },
  ]);
  client.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-bench-'));
  const keyFile = join(dir, 'hmac-keys.json');
  FileKeyRingSource.ensure(keyFile);
  // The handlers read these once, at import: set them before importing any handler.
  process.env[ENV.tokensTable] = tokensTable;
  process.env[ENV.auditTable] = auditTable;
  process.env[ENV.searchTable] = searchTable;
  process.env[ENV.usageTable] = usageTable;
  process.env[ENV.keyFile] = keyFile;
  process.env[ENV.dynamoEndpoint] = db.endpoint;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  return { db, tokensTable, auditTable, searchTable, keyFile, dir };
}

/**
 * Token `i` of a benchmark's seeded table, created at `createdAt`: a third service tokens, half with
 * an email, 1 in 10 expiring 30 days after `now`. Its hash is no real one: nobody signs in with it.
 */
export function seededRecord(i: number, createdAt: string, now: number): TokenRecord {
  const { id, hint } = mintToken();
  return {
    id,
    kind: i % 3 === 0 ? 'service' : 'user',
    description: `team-${i % 100} pipeline ${i}`,
    userEmail: i % 2 === 0 ? `owner${i}@example.com` : null,
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    createdAt,
    createdBy: 'system:bench',
    rotatedFrom: null,
    rotatedTo: null,
    expiresAt: i % 10 === 0 ? new Date(now + 86_400_000 * 30).toISOString() : null,
    revokedAt: null,
    revokedBy: null,
    lastUsedAt: null,
    hint,
    hash: { hash: 'bench', keyId: 'bench' },
  };
}

/** The stamp of a seeded token's creation. */
export function seededStamp(at: string): Stamp {
  return { actor: { type: 'system', id: 'bench' }, op: 'create', at };
}
