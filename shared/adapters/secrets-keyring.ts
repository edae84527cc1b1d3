// The HMAC key ring from Secrets Manager: fetched once, then served from the Lambda process's memory
// until `maxAgeSeconds` passes, so a check costs no Secrets Manager call. A rotated key reaches every
// process within that age. Read with the SDK-free client (shared/aws/json-client.ts): the authorizer
// holds it, and the Secrets Manager SDK client alone takes ~180 ms to load.
import { AwsJsonClient, type AwsJsonClientOptions, SECRETS_MANAGER } from '#aws/json-client';
import { type KeyRing, KeyRingError, type KeyRingSource, parseKeyRing } from '#domain/keyring';
import { AUTHORIZER_CALL_DEADLINE_MS } from '#spec/functions';
import type { Config } from './config';
import { FileKeyRingSource } from './file-keyring';

/** Where the Secrets Manager client gets its region and credentials, when not from the environment. */
export type AwsAccess = () => Promise<Pick<AwsJsonClientOptions, 'region' | 'credentials'>>;

export interface SecretsManagerKeyRingOptions {
  secretId: string;
  /** The client; else one made on first use from `access`, else from the environment (the authorizer's). */
  client?: AwsJsonClient;
  access?: AwsAccess | undefined;
  maxAgeSeconds?: number;
  now?: () => number;
}

/** The least time between two reads of the secret that `refresh()` makes. */
export const REFRESH_FLOOR_MS = 5_000;

export class SecretsManagerKeyRingSource implements KeyRingSource {
  private client: Promise<AwsJsonClient> | undefined;
  private readonly access: AwsAccess | undefined;
  private readonly secretId: string;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private cached: { ring: Promise<KeyRing>; until: number } | undefined;

  constructor(options: SecretsManagerKeyRingOptions) {
    this.access = options.access;
    // Without `access`, made now: a missing AWS_REGION fails at start, as configuration should.
    if (options.client || !this.access) {
      this.client = Promise.resolve(
        options.client ?? new AwsJsonClient(SECRETS_MANAGER, { deadlineMs: AUTHORIZER_CALL_DEADLINE_MS }),
      );
    }
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

  /**
   * Reads the secret again, unless it was read within the last `REFRESH_FLOOR_MS`: a hash made with a
   * key this ring lacks (a key rotation happened since) is checked against the new ring at once, and
   * a burst of such checks costs one read.
   */
  refresh(): Promise<KeyRing> {
    const readAt = this.cached ? this.cached.until - this.maxAgeMs : Number.NEGATIVE_INFINITY;
    if (this.cached && this.now() < readAt + REFRESH_FLOOR_MS) return this.cached.ring;
    this.cached = undefined;
    return this.get();
  }

  private secretsManager(): Promise<AwsJsonClient> {
    if (this.client) return this.client;
    const access = this.access as AwsAccess; // the constructor made the client when there is none
    const made = access().then(
      (options) =>
        new AwsJsonClient(SECRETS_MANAGER, { ...options, deadlineMs: AUTHORIZER_CALL_DEADLINE_MS }),
    );
    made.catch(() => {
      if (this.client === made) this.client = undefined; // no region yet: the next read asks again
    });
    this.client = made;
    return made;
  }

  private async read(): Promise<KeyRing> {
    const client = await this.secretsManager();
    // AWSCURRENT is the default; named, because moto's emulator forgets where a rotation moved it.
    const { SecretString } = await client.call<{ SecretString?: unknown }>('GetSecretValue', {
      SecretId: this.secretId,
      VersionStage: 'AWSCURRENT',
    });
    if (typeof SecretString !== 'string') throw new KeyRingError(`Secret ${this.secretId} holds no string`);
    return parseKeyRing(SecretString);
  }
}

/**
 * The key ring a function reads: the local stack's file, or the secret in AWS. Secrets Manager is
 * reached with `access` (the SDK's credential chain, shared/adapters/clients.ts), or else with the region and
 * credentials of the environment, as the authorizer does.
 */
export function keyRingSource(config: Config, access?: AwsAccess): KeyRingSource {
  return config.keyFile
    ? new FileKeyRingSource(config.keyFile)
    : new SecretsManagerKeyRingSource({
        secretId: config.keySecretId as string, // readConfig requires one of the two
        maxAgeSeconds: config.keyCacheSeconds,
        access,
      });
}
