// Secrets Manager's rotation function for a RotatedToken's secret `{"token_id", "token"}`: rotates
// the token with its grace period and proves the new one passes the verifier
// (shared/domain/token-secret.ts). One per TokenGate serves every RotatedToken of it.
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { services } from '#adapters/clients';
import { readConfig } from '#adapters/config';
import { parseCreateToken } from '#api/native-tokens';
import { tokenSecretRotator } from '#domain/token-secret';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { rotate } from './event';

const config = readConfig();
const { store, keys } = services(config);
// The grace goes through the same check as the API's, against the TTL of the authorizer cache.
const tokens = new TokenService({ store, keys, cacheTtlSeconds: config.authorizerCacheTtlSeconds });
// The authorizer's verifier on the same store. Testing a token is not a use of it: no `last_used_at`.
const verifier = new BearerVerifier({
  store: { getCredential: (id) => store.get(id), touchLastUsed: async () => undefined },
  keys,
  lastUsedIntervalMs: Number.POSITIVE_INFINITY,
});

const rotator = tokenSecretRotator({
  tokens,
  verify: (authorization) => verifier.verify(authorization),
  parseSpec: (spec) => parseCreateToken(spec, tokens.now()).token,
});

export const handler = (event: SecretsManagerRotationEvent): Promise<void> => rotate(event, rotator);
