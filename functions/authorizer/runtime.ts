// The authorizer's services: what it holds across invocations, built once at module load from the
// environment: the verifier with its SDK-free DynamoDB client (shared/aws/json-client.ts, for a cold
// start within budget) and its key ring, the metrics recorder, the memo of verified callers for
// HTTP APIs, and people's verifier, loaded at the first ID token (`personVerifierOnDemand`). Nothing here loads the AWS SDK. The token API's functions build theirs in
// functions/commons/runtime.ts.

import { authorizerMetricsFromEnv, timedReads } from '#adapters/authorizer-metrics';
import { readCatalogue, readConfig, readPeopleConfig } from '#adapters/config';
import { DynamoCredentialStore } from '#adapters/dynamo-credential-store';
import { jsonDynamoClient } from '#adapters/json-dynamo-client';
import { keyRingSource } from '#adapters/secrets-keyring';
import type { PeopleConfig, PersonSource } from '#domain/people';
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

/**
 * The one seam that keeps people's ID tokens off a token check's start: the verifier
 * (shared/adapters/oidc-verifier.ts, aws-jwt-verify with it) is imported at the first header that
 * carries a JWT (`withPeople` tells them apart before any work), not when the module loads. Bundled,
 * it is a chunk of its own beside `index.mjs` (cdk/bundling.ts), so a start reads, parses and runs
 * none of it. Loaded at start, it cost 17.5 ms of CPU of 85.7 (20%), and 19 KB of the 129 a start
 * read, measured on the shared bench machine (docs/performance.md). A failed import fails that
 * request closed (500) and is tried again at the next ID token.
 */
export function personVerifierOnDemand(config: PeopleConfig): PersonSource {
  let loading: Promise<PersonSource> | undefined;
  const load = (): Promise<PersonSource> => {
    if (loading === undefined) {
      loading = import('#adapters/oidc-verifier').then(({ PersonVerifier }) => new PersonVerifier(config));
      loading.catch(() => {
        loading = undefined;
      });
    }
    return loading;
  };
  return { verify: async (authorization) => (await load()).verify(authorization) };
}

const peopleConfig = readPeopleConfig();

/** People's ID tokens (shared/domain/people.ts); undefined when people sign-in is off. */
export const people = peopleConfig ? personVerifierOnDemand(peopleConfig) : undefined;
