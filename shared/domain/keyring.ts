// The HMAC keys that turn a token into its stored hash. Only hashes are stored; each records the id
// of the key that made it, so a new key can become current while tokens hashed with older keys
// keep working until they are rotated out.
//
// Serialised form (the Secrets Manager secret's value, or the local stack's key file; both are read
// by shared/adapters/):
//   {"current": "k1", "k1": "<key material>", "k0": "<older key material>"}
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface KeyRing {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export interface TokenHash {
  hash: string;
  keyId: string;
}

/** Where the key ring comes from: Secrets Manager in AWS, a file in the local stack. */
export interface KeyRingSource {
  get(): Promise<KeyRing>;
  /**
   * The ring read again now (or very recently), for a hash made with a key the held ring lacks: one
   * made after a key rotation by a process that read the new ring first. Sources that cannot change
   * (the local file) leave it out.
   */
  refresh?(): Promise<KeyRing>;
}

export class KeyRingError extends Error {}

export function parseKeyRing(serialised: string): KeyRing {
  let value: unknown;
  try {
    value = JSON.parse(serialised);
  } catch {
    throw new KeyRingError('The HMAC key ring is not JSON');
  }
  if (typeof value !== 'object' || value === null)
    throw new KeyRingError('The HMAC key ring is not an object');
  const { current, ...rest } = value as Record<string, unknown>;
  const keys = new Map<string, Buffer>();
  for (const [id, material] of Object.entries(rest)) {
    if (typeof material !== 'string' || material.length < 32) {
      throw new KeyRingError(`HMAC key "${id}" must be a string of at least 32 characters`);
    }
    keys.set(id, Buffer.from(material, 'utf8'));
  }
  if (typeof current !== 'string' || !keys.has(current)) {
    throw new KeyRingError('The HMAC key ring names no current key that it holds');
  }
  return { currentKeyId: current, keys };
}

function hmac(key: Buffer, token: string): Buffer {
  return createHmac('sha256', key).update(token).digest();
}

export function hashToken(ring: KeyRing, token: string): TokenHash {
  const key = ring.keys.get(ring.currentKeyId) as Buffer; // parseKeyRing guarantees it
  return { hash: hmac(key, token).toString('base64'), keyId: ring.currentKeyId };
}

/** The token's HMAC under key `keyId` (the current key by default), or null if the ring lacks it. */
export function tokenDigest(ring: KeyRing, token: string, keyId: string = ring.currentKeyId): Buffer | null {
  const key = ring.keys.get(keyId);
  return key ? hmac(key, token) : null;
}

/** Constant-time: the comparison takes as long whichever byte differs. */
export function digestMatches(stored: TokenHash, digest: Buffer | null): boolean {
  if (!digest) return false;
  const expected = Buffer.from(stored.hash, 'base64');
  return expected.length === digest.length && timingSafeEqual(expected, digest);
}

export function tokenMatchesHash(ring: KeyRing, token: string, stored: TokenHash): boolean {
  return digestMatches(stored, tokenDigest(ring, token, stored.keyId));
}

export function newKeyMaterial(): string {
  return randomBytes(48).toString('base64url');
}
