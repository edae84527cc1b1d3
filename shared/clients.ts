// SDK clients and the services built on them, created once per process.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';
import { documentClient } from './dynamo-client';
import { DynamoTokenStore } from './dynamo-token-store';
import { FileKeyRingSource, type KeyRingSource } from './keyring';
import { SecretsManagerKeyRingSource } from './secrets-keyring';
import type { TokenStore } from './token-store';

export { documentClient, dynamoClient, localClientConfig } from './dynamo-client';

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
