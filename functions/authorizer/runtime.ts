// The authorizer's services: what it holds across invocations, built once at module load from the
// environment: the verifier with its SDK-free DynamoDB client (shared/aws/json-client.ts, for a cold
// start within budget) and its key ring, the metrics recorder, and the memo of verified callers for
// HTTP APIs. Nothing here loads the AWS SDK. The token API's functions build theirs in
// functions/commons/runtime.ts.

import { authorizerMetricsFromEnv, timedReads } from '#adapters/authorizer-metrics';
import { readCatalogue, readConfig, readPeopleConfig } from '#adapters/config';
import { DynamoCredentialStore } from '#adapters/dynamo-credential-store';
import { jsonDynamoClient } from '#adapters/json-dynamo-client';
import { PersonVerifier } from '#adapters/oidc-verifier';
import { keyRingSource } from '#adapters/secrets-keyring';
import { compileCatalogue } from '#domain/policy';
import { RememberedCallers } from '#domain/remembered-callers';
import { BearerVerifier } from '#domain/verify-bearer';

const config = readConfig();

/** How long a cached answer may be reused: API Gateway's TTL, and the HTTP API memo's. */
export const cacheTtlSeconds = config.authorizerCacheTtlSeconds;

/** The deployment's scope catalogue, its grants parsed once here: no check parses it again. */
export const grants = compileCatalogue(readCatalogue());

/** What the checks counted, published as EMF at most once a minute (`flushIfDue` after each invocation). */
export const metrics = authorizerMetricsFromEnv();

export const verifier = new BearerVerifier({
  store: timedReads(
    new DynamoCredentialStore(jsonDynamoClient(config.dynamoEndpoint), config.tokensTable),
    metrics,
  ),
  keys: keyRingSource(config),
});

/** For HTTP API events, which API Gateway does not cache: who a bearer is, for up to the TTL. */
export const rememberedCallers = new RememberedCallers(verifier, {
  ttlSeconds: cacheTtlSeconds,
  onHit: () => metrics.memoHit(),
});

const peopleConfig = readPeopleConfig();

/** People's ID tokens (shared/domain/people.ts); undefined when people sign-in is off. */
export const people = peopleConfig ? new PersonVerifier(peopleConfig) : undefined;
