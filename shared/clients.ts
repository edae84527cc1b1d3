// SDK clients and the services built on them, created once per process.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditStore } from './audit';
import type { AuditConfig, Config } from './config';
import { DynamoAuditStore } from './dynamo-audit-store';
import { DynamoTokenStore } from './dynamo-token-store';
import { FileKeyRingSource, type KeyRingSource } from './keyring';
import { SecretsManagerKeyRingSource } from './secrets-keyring';
import type { TokenStore } from './token-store';

/** How to reach DynamoDB Local at `endpoint` (any credentials do: it runs with -sharedDb). */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** A DynamoDB client; with an endpoint, one for DynamoDB Local. */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  return new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
}

export function documentClient(endpoint?: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export interface Services {
  store: TokenStore;
  keys: KeyRingSource;
  /** The client the store uses (benchmarks compare against bare reads on it). */
  dynamo: DynamoDBDocumentClient;
}

export function services(config: Config): Services {
  const dynamo = documentClient(config.dynamoEndpoint);
  return {
    dynamo,
    store: new DynamoTokenStore(dynamo, {
      tableName: config.tokensTable,
      retentionDays: config.retentionDays,
    }),
    keys: config.keyFile
      ? new FileKeyRingSource(config.keyFile)
      : new SecretsManagerKeyRingSource({
          secretId: config.keySecretId as string, // readConfig requires one of the two
          maxAgeSeconds: config.keyCacheSeconds,
        }),
  };
}

export function auditStore(config: AuditConfig): AuditStore {
  return new DynamoAuditStore(documentClient(config.dynamoEndpoint), {
    tableName: config.auditTable,
    retentionDays: config.retentionDays,
  });
}
