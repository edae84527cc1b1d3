// The HMAC key ring from Secrets Manager for everything that is not the authorizer (API functions,
// CLI, rotation): read through Powertools Parameters' SecretsProvider, with the SDK's Secrets Manager
// client and its default credential chain. The cache keeps today's semantics: a read serves every
// caller for `maxAgeSeconds`, callers arriving during a read wait for that one read, and a failed read
// is not kept. The authorizer reads the same secret with its SDK-free client (secrets-keyring.ts).
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { type KeyRing, KeyRingError, type KeyRingSource, parseKeyRing } from '#domain/keyring';

/** What this source asks of the provider: the secret's string, cached for at most `maxAge` seconds. */
export type SecretStringProvider = Pick<SecretsProvider, 'get'>;

export interface ParametersKeyRingOptions {
  secretId: string;
  maxAgeSeconds?: number;
  /** Defaults to Powertools' SecretsProvider on the SDK's client, loaded on the first read. */
  provider?: SecretStringProvider;
  /** The Secrets Manager endpoint, when not AWS's (tests). */
  endpoint?: string | undefined;
}

export class ParametersKeyRingSource implements KeyRingSource {
  private provider: Promise<SecretStringProvider> | undefined;
  private reading: Promise<KeyRing> | undefined;
  private parsed: { serialised: string; ring: KeyRing } | undefined;
  private readonly maxAgeSeconds: number;

  constructor(private readonly options: ParametersKeyRingOptions) {
    this.maxAgeSeconds = options.maxAgeSeconds ?? 300;
    if (options.provider) this.provider = Promise.resolve(options.provider);
  }

  get(): Promise<KeyRing> {
    if (this.reading) return this.reading;
    const reading = this.read().finally(() => {
      if (this.reading === reading) this.reading = undefined;
    });
    this.reading = reading;
    return reading;
  }

  private secrets(): Promise<SecretStringProvider> {
    // Loaded on the first read, not at start: most API functions never need the key.
    this.provider ??= import('@aws-lambda-powertools/parameters/secrets').then(
      ({ SecretsProvider }) =>
        new SecretsProvider(
          this.options.endpoint ? { clientConfig: { endpoint: this.options.endpoint } } : {},
        ),
    );
    return this.provider;
  }

  private async read(): Promise<KeyRing> {
    const provider = await this.secrets();
    const { secretId } = this.options;
    // Powertools keeps the string for maxAge seconds (0: asks every time) and keeps no failure.
    const serialised: unknown = await provider.get(secretId, { maxAge: this.maxAgeSeconds });
    if (typeof serialised !== 'string') throw new KeyRingError(`Secret ${secretId} holds no string`);
    // The same string is parsed once, and gives the same ring.
    if (this.parsed?.serialised !== serialised) this.parsed = { serialised, ring: parseKeyRing(serialised) };
    return this.parsed.ring;
  }
}
