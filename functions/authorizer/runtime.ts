// What the authorizer holds across invocations, built once at module load from the environment:
// its DynamoDB client (SDK-free, shared/aws/json-client.ts, for a cold start within budget) and the
// verifier with its key ring. Nothing here loads the AWS SDK.
import { AwsJsonClient, DYNAMODB } from '../../shared/aws/json-client';
import { localClientConfig, readConfig } from '../../shared/config';
import { DynamoCredentialStore } from '../../shared/dynamo-credential-store';
import { keyRingSource } from '../../shared/secrets-keyring';
import { BearerVerifier } from '../../shared/verify-bearer';

const config = readConfig();

/** This process's DynamoDB client, for benchmarks that compare against bare reads on it. */
export const dynamo = new AwsJsonClient(
  DYNAMODB,
  config.dynamoEndpoint ? localClientConfig(config.dynamoEndpoint) : {},
);

export const verifier = new BearerVerifier({
  store: new DynamoCredentialStore(dynamo, config.tokensTable),
  keys: keyRingSource(config),
});
