// Secrets Manager's rotation function for the HMAC key secret: each rotation adds a new key and makes
// it current, keeping the older ones (shared/domain/key-ring-rotation.ts).
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { keyRingRotator } from '#domain/key-ring-rotation';
import { rotate } from './event';

export const handler = (event: SecretsManagerRotationEvent): Promise<void> =>
  rotate(event, keyRingRotator, 'key');
