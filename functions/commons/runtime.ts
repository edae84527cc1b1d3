// The domain services of this process, built once at module load from the environment.
import { services } from '#adapters/clients';
import { readConfig } from '#adapters/config';
import { TokenService } from '#domain/token-service';
import { postingsDeferred } from './logger';

export const config = readConfig();
const { store, keys, dynamo } = services(config, postingsDeferred);

/** This process's DynamoDB client. */
export { dynamo };

export const tokens = new TokenService({ store, keys, cacheTtlSeconds: config.authorizerCacheTtlSeconds });
