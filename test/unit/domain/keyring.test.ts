import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { hashToken, KeyRingError, newKeyMaterial, parseKeyRing, tokenMatchesHash } from '#domain/keyring';
import { mintToken } from '#domain/token-format';

const K0 = newKeyMaterial();
const K1 = newKeyMaterial();
const ring = (value: Record<string, string>) => parseKeyRing(JSON.stringify(value));

describe('parseKeyRing', () => {
  it('reads the current key id and every key', () => {
    const parsed = ring({ current: 'k1', k1: K1, k0: K0 });

    expect(parsed.currentKeyId).toBe('k1');
    expect([...parsed.keys.keys()].sort()).toEqual(['k0', 'k1']);
    expect(parsed.keys.get('k0')?.toString('utf8')).toBe(K0);
  });

  it.each([
    ['text that is not JSON', 'not json', /not JSON/],
    ['a JSON string', '"k1"', /not an object/],
    ['null', 'null', /not an object/],
    ['no current key', JSON.stringify({ k1: K1 }), /no current key/],
    ['a current key it does not hold', JSON.stringify({ current: 'k2', k1: K1 }), /no current key/],
    ['a key shorter than 32 characters', JSON.stringify({ current: 'k1', k1: 'x'.repeat(31) }), /k1.*32/],
    ['a key that is not a string', JSON.stringify({ current: 'k1', k1: 42 }), /k1/],
  ])('refuses %s', (_, serialised, message) => {
    expect(() => parseKeyRing(serialised)).toThrow(KeyRingError);
    expect(() => parseKeyRing(serialised)).toThrow(message);
  });
});

describe('hashing and verifying', () => {
  it('a token verifies against the hash made of it, which records the current key', () => {
    const keys = ring({ current: 'k1', k1: K1, k0: K0 });
    const { token } = mintToken();

    const stored = hashToken(keys, token);

    expect(stored.keyId).toBe('k1');
    expect(stored.hash).not.toContain(token);
    expect(tokenMatchesHash(keys, token, stored)).toBe(true);
  });

  it('the hash is keyed: another key gives another hash for the same token', () => {
    const { token } = mintToken();
    expect(hashToken(ring({ current: 'k1', k1: K1 }), token).hash).not.toBe(
      hashToken(ring({ current: 'k1', k1: K0 }), token).hash,
    );
  });

  it('a token hashed with an older key verifies while that key is in the ring, and fails once it is removed', () => {
    const { token } = mintToken();
    const stored = hashToken(ring({ current: 'k0', k0: K0 }), token);

    expect(tokenMatchesHash(ring({ current: 'k1', k1: K1, k0: K0 }), token, stored)).toBe(true);
    expect(tokenMatchesHash(ring({ current: 'k1', k1: K1 }), token, stored)).toBe(false);
  });

  it('another token does not verify against the hash', () => {
    const keys = ring({ current: 'k1', k1: K1 });
    const stored = hashToken(keys, mintToken().token);

    expect(tokenMatchesHash(keys, mintToken().token, stored)).toBe(false);
  });

  it('a token with the same id but another secret does not verify', () => {
    const keys = ring({ current: 'k1', k1: K1 });
    const original = mintToken();
    const stored = hashToken(keys, original.token);

    expect(tokenMatchesHash(keys, mintToken(original.id).token, stored)).toBe(false);
  });

  it('a tampered stored hash fails: one flipped bit, truncated, or not base64', () => {
    const keys = ring({ current: 'k1', k1: K1 });
    const { token } = mintToken();
    const stored = hashToken(keys, token);
    const bytes = Buffer.from(stored.hash, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;

    expect(tokenMatchesHash(keys, token, { ...stored, hash: bytes.toString('base64') })).toBe(false);
    expect(tokenMatchesHash(keys, token, { ...stored, hash: stored.hash.slice(0, 20) })).toBe(false);
    expect(tokenMatchesHash(keys, token, { ...stored, hash: '!!!!' })).toBe(false);
    expect(tokenMatchesHash(keys, token, { ...stored, hash: '' })).toBe(false);
  });

  it('a stored hash naming another key id fails', () => {
    const keys = ring({ current: 'k1', k1: K1, k0: K0 });
    const { token } = mintToken();
    const stored = hashToken(keys, token);

    expect(tokenMatchesHash(keys, token, { ...stored, keyId: 'k0' })).toBe(false);
    expect(tokenMatchesHash(keys, token, { ...stored, keyId: 'k9' })).toBe(false);
  });
});

describe('FileKeyRingSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-keyring-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ensure() creates a private key file once, and never replaces it', async () => {
    const path = join(dir, 'nested', 'keys.json');

    FileKeyRingSource.ensure(path);
    const first = readFileSync(path, 'utf8');
    FileKeyRingSource.ensure(path);

    expect(readFileSync(path, 'utf8')).toBe(first);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const keys = await new FileKeyRingSource(path).get();
    expect(keys.currentKeyId).toBe('k1');
  });

  it('reads the file once and keeps the ring in memory', async () => {
    const path = join(dir, 'read-once.json');
    writeFileSync(path, JSON.stringify({ current: 'k1', k1: K1 }));
    const source = new FileKeyRingSource(path);

    const first = await source.get();
    writeFileSync(path, 'no longer JSON');

    expect(await source.get()).toBe(first);
  });

  it('a failed first read is not kept: once the file is there, the next read succeeds', async () => {
    const path = join(dir, 'late.json');
    const source = new FileKeyRingSource(path);
    await expect(source.get()).rejects.toThrow();

    FileKeyRingSource.ensure(path);

    expect((await source.get()).currentKeyId).toBe('k1');
  });

  it('a broken key file rejects with a KeyRingError', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, JSON.stringify({ current: 'k1', k1: 'short' }));

    await expect(new FileKeyRingSource(path).get()).rejects.toThrow(KeyRingError);
  });
});
