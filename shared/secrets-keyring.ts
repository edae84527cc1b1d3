// The HMAC key ring from Secrets Manager: fetched once, then served from the Lambda process's memory
// until `maxAgeSeconds` passes, so a check costs no Secrets Manager call. A rotated key reaches every
// process within that age. Read with the SDK-free client (shared/aws/json-client.ts): the authorizer
// holds it, and the Secrets Manager SDK client alone takes ~180 ms to load.
import { AwsJsonClient, SECRETS_MANAGER } from './aws/json-client';
import type { Config } from './config';
import { FileKeyRingSource, type KeyRing, KeyRingError, type KeyRingSource, parseKeyRing } from './keyring';

export interface SecretsManagerKeyRingOptions {
  secretId: string;
  client?: AwsJsonClient;
  maxAgeSeconds?: number;
  now?: () => number;
}

export class SecretsManagerKeyRingSource implements KeyRingSource {
  private readonly client: AwsJsonClient;
  private readonly secretId: string;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private cached: { ring: Promise<KeyRing>; until: number } | undefined;

  constructor(options: SecretsManagerKeyRingOptions) {
    this.client = options.client ?? new AwsJsonClient(SECRETS_MANAGER);
    this.secretId = options.secretId;
    this.maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Callers arriving while the secret is being read wait for that one read. A failure is not kept. */
  get(): Promise<KeyRing> {
    const now = this.now();
    if (this.cached && now < this.cached.until) return this.cached.ring;
    const ring = this.read();
    const entry = { ring, until: now + this.maxAgeMs };
    this.cached = entry;
    ring.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return ring;
  }

  private async read(): Promise<KeyRing> {
    const { SecretString } = await this.client.call<{ SecretString?: unknown }>('GetSecretValue', {
      SecretId: this.secretId,
    });
    if (typeof SecretString !== 'string') throw new KeyRingError(`Secret ${this.secretId} holds no string`);
    return parseKeyRing(SecretString);
  }
}

/** The key ring a function reads: the local stack's file, or the secret in AWS. */
export function keyRingSource(config: Config): KeyRingSource {
  return config.keyFile
    ? new FileKeyRingSource(config.keyFile)
    : new SecretsManagerKeyRingSource({
        secretId: config.keySecretId as string, // readConfig requires one of the two
        maxAgeSeconds: config.keyCacheSeconds,
      });
}
