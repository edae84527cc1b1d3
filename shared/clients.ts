// SDK clients and the services built on them, created once per process.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';
import { DynamoTokenStore } from './dynamo-token-store';
import { FileKeyRingSource, type KeyRingSource } from './keyring';
import { SecretsManagerKeyRingSource } from './secrets-keyring';
import type { TokenStore } from './token-store';

/** A DynamoDB client; with an endpoint, one for DynamoDB Local (any credentials do). */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  return new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
}

export function documentClient(endpoint?: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export interface Services {
  store: TokenStore;
  keys: KeyRingSource;
}

export function services(config: Config): Services {
  return {
    store: new DynamoTokenStore(documentClient(config.dynamoEndpoint), {
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
