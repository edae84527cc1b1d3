import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mintToken,
  parseToken,
  SECRET_LENGTH,
  soleAuthorization,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  tokenFromAuthorization,
} from '#domain/token-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('token format', () => {
  it('a minted token carries the prefix, its own id and a valid checksum', () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const { id, token, hint } = mintToken();
        expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
        expect(token).toHaveLength(TOKEN_LENGTH);
        expect(parseToken(token)).toBe(id);
        expect(token.startsWith(hint)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('the secret part holds at least 256 bits of randomness', () => {
    expect(SECRET_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(256);
  });

  it('changing any one character of a token makes it fail the checksum', () => {
    const { token } = mintToken();
    fc.assert(
      fc.property(
        fc.integer({ min: TOKEN_PREFIX.length, max: TOKEN_LENGTH - 1 }),
        fc.constantFrom(...BASE62),
        (position, replacement) => {
          fc.pre(token[position] !== replacement);
          const mutated = token.slice(0, position) + replacement + token.slice(position + 1);
          expect(parseToken(mutated)).toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('arbitrary strings are refused as tokens', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (candidate) => {
        expect(parseToken(candidate)).toBeNull();
      }),
    );
  });

  it('strings of the right shape but random content are refused (checksum)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...BASE62),
          minLength: TOKEN_LENGTH - 3,
          maxLength: TOKEN_LENGTH - 3,
        }),
        (body) => {
          const candidate = TOKEN_PREFIX + body;
          // A random body passes CRC32 with probability 2^-32: treat a pass as a failure of the test.
          expect(parseToken(candidate)).toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('two minted tokens never share an id or a secret', () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => mintToken().token));
    expect(tokens.size).toBe(2000);
  });

  it('reads Bearer and Key authorization schemes, case-insensitively', () => {
    expect(tokenFromAuthorization('Bearer abc')).toBe('abc');
    expect(tokenFromAuthorization('bearer abc')).toBe('abc');
    expect(tokenFromAuthorization('Key abc')).toBe('abc');
    expect(tokenFromAuthorization('Basic abc')).toBeNull();
    expect(tokenFromAuthorization('Bearer')).toBeNull();
    expect(tokenFromAuthorization(undefined)).toBeNull();
    expect(tokenFromAuthorization('Bearer a b')).toBeNull();
  });
});

describe('soleAuthorization', () => {
  it('is the one Authorization header sent, and nothing for none or more than one, whatever they hold', () => {
    expect(soleAuthorization(['Bearer tg_a'])).toBe('Bearer tg_a');
    expect(soleAuthorization([])).toBeUndefined();
    expect(soleAuthorization([undefined])).toBeUndefined();
    expect(soleAuthorization(['Bearer tg_a', 'Bearer tg_b'])).toBeUndefined();
    expect(soleAuthorization(['Bearer tg_a', 'Bearer tg_a'])).toBeUndefined();
    expect(soleAuthorization(['', 'Bearer tg_a'])).toBeUndefined();
  });

  it('reads a comma as headers joined into one (no token holds one)', () => {
    expect(soleAuthorization(['Bearer tg_a,Bearer tg_b'])).toBeUndefined();
    expect(soleAuthorization(['Bearer tg_a, Bearer tg_a'])).toBeUndefined();
    expect(soleAuthorization([','])).toBeUndefined();
  });
});
