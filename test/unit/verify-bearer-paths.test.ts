// BearerVerifier's two paths over a fake store: the plain path (no `whileReading`) reads without a
// callback and decides after the answer; the overlapped read hands the store a callback and decides
// the same. The real store and key ring are covered by test/integration/verify-bearer.test.ts.
import { describe, expect, it } from 'vitest';
import { hashToken, newKeyMaterial, parseKeyRing } from '#domain/keyring';
import { mintToken } from '#domain/token-format';
import type { Credential, CredentialStore } from '#domain/token-store';
import { BearerVerifier, RefusedBearer } from '#domain/verify-bearer';

const ring = parseKeyRing(JSON.stringify({ current: 'k1', k1: newKeyMaterial() }));
/** As the real sources do, the same promise while the ring is fresh. */
const heldRing = Promise.resolve(ring);
const { id, token } = mintToken();
const credential: Credential = {
  id,
  kind: 'service',
  scopes: [{ scope: 'identity:manage', resources: null }],
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: new Date().toISOString(),
  hash: hashToken(ring, token),
};

/** A store answering `answer`, recording whether each read was given a callback. */
function store(answer: Credential | null) {
  const callbacks: boolean[] = [];
  const fake: CredentialStore = {
    getCredential: async (_id, whileReading) => {
      callbacks.push(whileReading !== undefined);
      whileReading?.(answer ?? undefined);
      return answer;
    },
    touchLastUsed: async () => undefined,
  };
  return { fake, callbacks };
}

const verifierOn = (fake: CredentialStore) =>
  new BearerVerifier({ store: fake, keys: { get: () => heldRing } });

describe('BearerVerifier paths', () => {
  it('the plain path reads without a callback and verifies after the answer', async () => {
    const { fake, callbacks } = store(credential);
    const caller = await verifierOn(fake).verify(`Bearer ${token}`);
    expect(caller).toMatchObject({ tokenId: id, principal: `token:${id}` });
    expect(callbacks).toEqual([false]);
  });

  it('the overlapped read hands the store a callback, and reaches the same caller', async () => {
    const { fake, callbacks } = store(credential);
    const verifier = verifierOn(fake);
    const told: unknown[] = [];
    const first = await verifier.verify(`Bearer ${token}`, (expected) => told.push(expected));
    const second = await verifier.verify(`Bearer ${token}`, (expected) => told.push(expected));
    expect(first).toMatchObject({ tokenId: id, principal: `token:${id}` });
    expect(second).toBe(first);
    expect(callbacks).toEqual([true, true]);
    // The first read is under way before the key ring is known: nothing to expect yet.
    expect(told).toEqual([undefined, first]);
  });

  it.each([
    ['plain', undefined],
    ['overlapped', () => undefined],
  ])(
    'the %s path refuses another secret for the id, and a token not in the table, as unknown',
    async (_, whileReading) => {
      const forged = mintToken(id).token;
      await expect(
        verifierOn(store(credential).fake).verify(`Bearer ${forged}`, whileReading),
      ).rejects.toThrow(expect.objectContaining({ reason: 'unknown' }) as unknown as RefusedBearer);
      await expect(verifierOn(store(null).fake).verify(`Bearer ${token}`, whileReading)).rejects.toThrow(
        expect.objectContaining({ reason: 'unknown' }) as unknown as RefusedBearer,
      );
    },
  );

  it.each([
    ['revoked', { revokedAt: '2026-01-01T00:00:00Z' }],
    ['expired', { expiresAt: '2026-01-01T00:00:00Z' }],
  ])('refuses a %s token with that reason, on both paths', async (reason, change) => {
    for (const whileReading of [undefined, () => undefined]) {
      const refused = verifierOn(store({ ...credential, ...change }).fake).verify(
        `Bearer ${token}`,
        whileReading,
      );
      await expect(refused).rejects.toBeInstanceOf(RefusedBearer);
      await expect(refused).rejects.toMatchObject({ reason, message: `The token is ${reason}` });
    }
  });

  it('refuses a missing or malformed token as malformed, before any read', async () => {
    const { fake, callbacks } = store(credential);
    await expect(verifierOn(fake).verify(undefined)).rejects.toMatchObject({ reason: 'malformed' });
    await expect(verifierOn(fake).verify(`Bearer ${token.slice(0, -1)}!`)).rejects.toMatchObject({
      reason: 'malformed',
    });
    expect(callbacks).toEqual([]);
  });
});
