// The HMAC key ring from Secrets Manager, through Powertools Parameters: fetched once, then served
// from the Lambda process's memory until `maxAgeSeconds` passes, so a check costs no Secrets
// Manager call. A rotated key reaches every process within that age.

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type KeyRing, KeyRingError, type KeyRingSource, parseKeyRing } from './keyring';

export interface SecretsManagerKeyRingOptions {
  secretId: string;
  client?: SecretsManagerClient;
  maxAgeSeconds?: number;
}

export class SecretsManagerKeyRingSource implements KeyRingSource {
  private readonly provider: SecretsProvider;
  private readonly secretId: string;
  private readonly maxAge: number;
  private parsed: { raw: string; ring: KeyRing } | undefined;

  constructor(options: SecretsManagerKeyRingOptions) {
    this.provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
    this.secretId = options.secretId;
    this.maxAge = options.maxAgeSeconds ?? 300;
  }

  async get(): Promise<KeyRing> {
    const raw = await this.provider.get(this.secretId, { maxAge: this.maxAge });
    if (typeof raw !== 'string') throw new KeyRingError(`Secret ${this.secretId} holds no string`);
    if (this.parsed?.raw !== raw) this.parsed = { raw, ring: parseKeyRing(raw) };
    return this.parsed.ring;
  }
}
