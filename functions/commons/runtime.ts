// The domain services of this process, built once at module load from the environment.
import { services } from '../../shared/clients';
import { readConfig } from '../../shared/config';
import { TokenService } from '../../shared/token-service';
import { BearerVerifier } from '../../shared/verify-bearer';

export const config = readConfig();
const { store, keys, dynamo } = services(config);

/** This process's DynamoDB client, for benchmarks that compare against bare reads on it. */
export { dynamo };

export const tokens = new TokenService({ store, keys });
export const verifier = new BearerVerifier({ store, keys });
