// Rotating the HMAC key ring (serialised form: keyring.ts): a new key becomes current and every older
// key stays, so each stored hash, which names its key, keeps verifying.
import { hashToken, type KeyRing, newKeyMaterial, parseKeyRing, tokenMatchesHash } from './keyring';
import { RotationError, type SecretRotator } from './secrets-manager-rotation';
import { mintToken } from './token-format';

const KEY_ID = /^k(\d+)$/;

/** `k` and one more than the highest `kN` in the ring: `k1` → `k2`. */
export function nextKeyId(ring: KeyRing): string {
  let highest = 0;
  for (const id of ring.keys.keys()) {
    const number = KEY_ID.exec(id)?.[1];
    if (number !== undefined) highest = Math.max(highest, Number(number));
  }
  return `k${highest + 1}`;
}

/** The serialised ring with a new current key added, the older keys kept as they are. */
export function rotatedKeyRing(serialised: string, material: string = newKeyMaterial()): string {
  const ring = parseKeyRing(serialised);
  const id = nextKeyId(ring);
  const keys = Object.fromEntries([...ring.keys].map(([keyId, key]) => [keyId, key.toString('utf8')]));
  return JSON.stringify({ current: id, ...keys, [id]: material });
}

/**
 * Throws unless `next` is a good successor of `previous`: it parses, holds every key of `previous`
 * unchanged, has a new current key, and a token hashed with it verifies.
 */
export function checkRotatedKeyRing(previous: string, next: string): void {
  const before = parseKeyRing(previous);
  const after = parseKeyRing(next);
  for (const [id, key] of before.keys) {
    if (!after.keys.get(id)?.equals(key))
      throw new RotationError(`The new key ring lost or changed key ${id}`);
  }
  if (before.keys.has(after.currentKeyId)) {
    throw new RotationError('The new key ring does not make a new key current');
  }
  const { token } = mintToken();
  const hash = hashToken(after, token);
  if (hash.keyId !== after.currentKeyId || !tokenMatchesHash(after, token, hash)) {
    throw new RotationError('A token hashed with the new key ring does not verify');
  }
}

/** The key secret's rotation: createSecret adds the key, testSecret checks the ring. */
export const keyRingRotator: SecretRotator = {
  async create({ current, pending, store }) {
    if (pending !== null) return; // this rotation's ring is stored already
    await store(rotatedKeyRing(current));
  },
  async test(pending, current) {
    checkRotatedKeyRing(current, pending);
  },
};
