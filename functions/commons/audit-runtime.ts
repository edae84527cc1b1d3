// The audit store of this process, built once at module load from the environment. The audit
// functions need neither the tokens table nor the HMAC key, so they do not load runtime.ts.
import { readAuditConfig } from '#adapters/config';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import { documentClient } from '#adapters/dynamo-client';
import { TokenSearchIndex } from '#adapters/dynamo-token-search';

export const auditConfig = readAuditConfig();
const client = documentClient(auditConfig.dynamoEndpoint);
export const audit = new DynamoAuditStore(client, {
  tableName: auditConfig.auditTable,
  retentionDays: auditConfig.retentionDays,
});

/** The search postings the stream consumer repairs (shared/adapters/dynamo-token-search.ts), if set. */
export const searchIndex = auditConfig.searchTable
  ? new TokenSearchIndex(client, auditConfig.searchTable)
  : undefined;
