// Secrets Manager's rotation function of one RotatedToken's secret `{"token_id", "token"}`: rotates
// the token with its grace period and proves the new one passes the verifier
// (shared/domain/token-secret-rotation.ts). Each RotatedToken has its own, whose environment declares the one
// secret it rotates and the description and scopes it mints; the secret's text never decides them.
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { services } from '#adapters/clients';
import { readConfig, readRotatedTokenConfig } from '#adapters/config';
import { parseCreateToken } from '#api/native-tokens';
import { tokenSecretRotator } from '#domain/token-secret-rotation';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { scopes } from '#functions/commons/catalogue';
import { postingsDeferred } from '#functions/commons/logger';
import { rotate } from './event';

const config = readConfig();
const { store, keys } = services(config, postingsDeferred);
const declared = readRotatedTokenConfig();
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
  declared: {
    secretArn: declared.secretArn,
    // Refused at load, loudly, as the create API would refuse it (the construct checked it at synth).
    token: parseCreateToken(
      { description: declared.description, scopes: declared.scopes },
      tokens.now(),
      scopes,
    ).token,
    graceSeconds: declared.graceSeconds,
  },
});

export const handler = (event: SecretsManagerRotationEvent): Promise<void> => rotate(event, rotator, 'token');
