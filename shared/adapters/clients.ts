// SDK clients and the services built on them, created once per process. Everything here finds its
// AWS region and credentials through the SDK's default chain (environment, shared config and
// credentials files with profiles and SSO, credential_process, container and instance roles): only
// the authorizer reads them from the environment alone (functions/authorizer/runtime.ts).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeyRingSource } from '#domain/keyring';
import type { TokenStore } from '#domain/token-store';
import type { Config } from './config';
import { documentClient } from './dynamo-client';
import { DynamoTokenStore } from './dynamo-token-store';
import { FileKeyRingSource } from './file-keyring';
import { ParametersKeyRingSource } from './parameters-keyring';
import type { AwsAccess } from './secrets-keyring';

export { documentClient, dynamoClient } from './dynamo-client';

export interface Services {
  store: TokenStore;
  keys: KeyRingSource;
  /** The client the store uses. */
  dynamo: DynamoDBDocumentClient;
}

/** The region and credentials `client` resolved through the SDK's chain, for the SDK-free clients. */
export function sdkAccess(client: DynamoDBDocumentClient): AwsAccess {
  return async () => ({
    region: await client.config.region(),
    credentials: () => client.config.credentials(),
  });
}

/**
 * `onPostingsDeferred` hears of a token written whose search postings the stream consumer will have to
 * write (DynamoTokenStoreOptions).
 */
export function services(
  config: Config,
  onPostingsDeferred?: (tokenId: string, error: unknown) => void,
): Services {
  const dynamo = documentClient(config.dynamoEndpoint);
  return {
    dynamo,
    store: new DynamoTokenStore(dynamo, {
      tableName: config.tokensTable,
      retentionDays: config.retentionDays,
      searchTableName: config.searchTable,
      onPostingsDeferred,
    }),
    keys: sdkKeyRingSource(config),
  };
}

/**
 * The key ring outside the authorizer: the local stack's file, or the secret in AWS through
 * Powertools Parameters and the SDK's Secrets Manager client (its default credential chain).
 */
export function sdkKeyRingSource(config: Config): KeyRingSource {
  return config.keyFile
    ? new FileKeyRingSource(config.keyFile)
    : new ParametersKeyRingSource({
        secretId: config.keySecretId as string, // readConfig requires one of the two
        maxAgeSeconds: config.keyCacheSeconds,
      });
}
