// What the authorizer holds across invocations, built once at module load from the environment:
// its DynamoDB client (SDK-free, shared/aws/json-client.ts, for a cold start within budget) and the
// verifier with its key ring, and the memo of verified callers for HTTP APIs. Nothing here loads the
// AWS SDK.

import { localClientConfig, readCatalogue, readConfig, readPeopleConfig } from '#adapters/config';
import { DynamoCredentialStore } from '#adapters/dynamo-credential-store';
import { PersonVerifier } from '#adapters/oidc-verifier';
import { keyRingSource } from '#adapters/secrets-keyring';
import { AwsJsonClient, DYNAMODB } from '#aws/json-client';
import { compileCatalogue } from '#domain/policy';
import { RememberedCallers } from '#domain/remembered-callers';
import { BearerVerifier } from '#domain/verify-bearer';

const config = readConfig();

/** How long a cached answer may be reused: API Gateway's TTL, and the HTTP API memo's. */
export const cacheTtlSeconds = config.authorizerCacheTtlSeconds;

/** The deployment's scope catalogue, its grants parsed once here: no check parses it again. */
export const grants = compileCatalogue(readCatalogue());

/** This process's DynamoDB client, for benchmarks that compare against bare reads on it. */
export const dynamo = new AwsJsonClient(
  DYNAMODB,
  config.dynamoEndpoint ? localClientConfig(config.dynamoEndpoint) : {},
);

export const verifier = new BearerVerifier({
  store: new DynamoCredentialStore(dynamo, config.tokensTable),
  keys: keyRingSource(config),
});

/** For HTTP API events, which API Gateway does not cache: who a bearer is, for up to the TTL. */
export const rememberedCallers = new RememberedCallers(verifier, { ttlSeconds: cacheTtlSeconds });

const peopleConfig = readPeopleConfig();

/** People's ID tokens (shared/domain/people.ts); undefined when people sign-in is off. */
export const people = peopleConfig ? new PersonVerifier(peopleConfig) : undefined;
