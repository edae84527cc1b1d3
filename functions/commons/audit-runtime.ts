// The audit store of this process, built once at module load from the environment. The audit
// functions need neither the tokens table nor the HMAC key, so they do not load runtime.ts.
import { readAuditConfig } from '#adapters/config';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import { documentClient } from '#adapters/dynamo-client';

export const auditConfig = readAuditConfig();
export const audit = new DynamoAuditStore(documentClient(auditConfig.dynamoEndpoint), {
  tableName: auditConfig.auditTable,
  retentionDays: auditConfig.retentionDays,
});
