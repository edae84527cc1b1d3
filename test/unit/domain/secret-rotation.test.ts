// The pure parts of the Secrets Manager rotations: the key ring's successor, its check, and the token
// secret's value and grace tag. (The steps themselves run against moto: test/integration/.)
import { describe, expect, it } from 'vitest';
import { checkRotatedKeyRing, nextKeyId, rotatedKeyRing } from '#domain/key-ring-rotation';
import { newKeyMaterial, parseKeyRing } from '#domain/keyring';
import { isRotationStep } from '#domain/secrets-manager-rotation';
import { mintToken } from '#domain/token-format';
import { parseTokenSecret, serialiseTokenSecret } from '#domain/token-secret-rotation';

const ring = (current: string, keys: Record<string, string>) => JSON.stringify({ current, ...keys });

describe('key ring rotation', () => {
  it('names the next key one above the highest kN, whatever the current one and other ids', () => {
    const k = newKeyMaterial();
    expect(nextKeyId(parseKeyRing(ring('k1', { k1: k })))).toBe('k2');
    expect(nextKeyId(parseKeyRing(ring('k2', { k2: k, k9: k, k10: k, other: k })))).toBe('k11');
    expect(nextKeyId(parseKeyRing(ring('main', { main: k })))).toBe('k1');
  });

  it('adds a new current key and keeps every old one as it was', () => {
    const [k1, k2] = [newKeyMaterial(), newKeyMaterial()];
    const next = rotatedKeyRing(ring('k2', { k1, k2 }), 'n'.repeat(64));
    expect(JSON.parse(next)).toEqual({ current: 'k3', k1, k2, k3: 'n'.repeat(64) });
    expect(() => checkRotatedKeyRing(ring('k2', { k1, k2 }), next)).not.toThrow();
  });

  it('refuses a successor that drops or changes a key, keeps the current key, or does not parse', () => {
    const [k1, k2] = [newKeyMaterial(), newKeyMaterial()];
    const before = ring('k1', { k1 });
    expect(() => checkRotatedKeyRing(before, ring('k2', { k2 }))).toThrow(/lost or changed key k1/);
    expect(() => checkRotatedKeyRing(before, ring('k2', { k1: k2, k2 }))).toThrow(/lost or changed key k1/);
    expect(() => checkRotatedKeyRing(before, ring('k1', { k1, k2 }))).toThrow(
      /does not make a new key current/,
    );
    expect(() => checkRotatedKeyRing(before, '{"current":"k2"}')).toThrow();
  });
});

describe('the token secret', () => {
  it('holds a token and its id, or before the first rotation neither; nothing else is read from it', () => {
    const minted = mintToken();
    expect(parseTokenSecret(serialiseTokenSecret(minted))).toEqual({
      tokenId: minted.id,
      token: minted.token,
    });
    expect(
      parseTokenSecret(
        '{"token_id":null,"token":null,"description":"d","scopes":[{"scope":"global:admin"}]}',
      ),
    ).toEqual({ tokenId: null, token: null });
  });

  it('refuses a value that is not JSON, or whose token is malformed or not the token_id', () => {
    const [one, other] = [mintToken(), mintToken()];
    for (const value of [
      'tg_',
      '[]',
      JSON.stringify({ token_id: one.id, token: other.token }),
      // Its last character changed (to one it is not: a fixed `x` left one token in 62 as it was).
      JSON.stringify({
        token_id: one.id,
        token: `${one.token.slice(0, -1)}${one.token.endsWith('x') ? 'y' : 'x'}`,
      }),
      JSON.stringify({ token_id: one.id, token: null }),
    ]) {
      expect(() => parseTokenSecret(value)).toThrow();
    }
    // Never the value in the message: it may hold a token.
    expect(() => parseTokenSecret(JSON.stringify({ token_id: one.id, token: other.token }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(other.token) }),
    );
  });
});

describe('rotation steps', () => {
  it('are the four that Secrets Manager calls a rotation function with', () => {
    expect(['createSecret', 'setSecret', 'testSecret', 'finishSecret'].every(isRotationStep)).toBe(true);
    expect([undefined, 'CreateSecret', 'deleteSecret', 1].some(isRotationStep)).toBe(false);
  });
});
