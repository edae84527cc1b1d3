// SDK clients and the services built on them, created once per process.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';
import { documentClient } from './dynamo-client';
import { DynamoTokenStore } from './dynamo-token-store';
import type { KeyRingSource } from './keyring';
import { keyRingSource } from './secrets-keyring';
import type { TokenStore } from './token-store';

export { documentClient, dynamoClient } from './dynamo-client';

export interface Services {
  store: TokenStore;
  keys: KeyRingSource;
  /** The client the store uses. */
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
    keys: keyRingSource(config),
  };
}
