// The token API's services: what the token and service-token functions (functions/tokens/,
// functions/service-tokens/) hold across invocations, built once per process at module load from the
// environment. The authorizer builds its own, without the AWS SDK (functions/authorizer/runtime.ts).
import { services } from '#adapters/clients';
import { readConfig } from '#adapters/config';
import { TokenService } from '#domain/token-service';
import { postingsDeferred } from './logger';

export const config = readConfig();
const { store, keys } = services(config, postingsDeferred);

export const tokens = new TokenService({ store, keys, cacheTtlSeconds: config.authorizerCacheTtlSeconds });
