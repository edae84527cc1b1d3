// Token parsing as an attacker or a typo meets it: generated strings, not hand-picked examples. It
// never throws, whatever it is given, and it accepts only what mintToken made: a token with any one
// character changed, cut short, extended, or with its case flipped is refused, and so is anything
// random. The checksum is what makes this hold without a database read.
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHECKSUM_LENGTH,
  encodeBase62,
  ID_LENGTH,
  mintToken,
  parseToken,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  tokenFromAuthorization,
} from '#domain/token-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RUNS = { numRuns: 2_000 };

/** Any string: ASCII, full Unicode, lone surrogates, control characters. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom(...'tg_\u0000 \t\n\r%/\\.', ...BASE62) }),
);

/** Strings of exactly a token's shape (prefix, base62, right length) that mintToken did not make. */
const tokenShaped = fc
  .string({ unit: fc.constantFrom(...BASE62), minLength: TOKEN_LENGTH - 3, maxLength: TOKEN_LENGTH - 3 })
  .map((rest) => TOKEN_PREFIX + rest);

const minted = fc.constant(null).map(() => mintToken());

const flipCase = (char: string) => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase());

describe('parseToken', () => {
  it('never throws and refuses every string that is not a minted token', () => {
    fc.assert(
      fc.property(anyString, (candidate) => {
        expect(parseToken(candidate)).toBeNull();
      }),
      RUNS,
    );
  });

  it('refuses strings of a token’s exact shape whose checksum mintToken did not compute', () => {
    fc.assert(
      fc.property(tokenShaped, (candidate) => {
        expect(parseToken(candidate)).toBeNull();
      }),
      RUNS,
    );
  });

  it('accepts every minted token and returns its id', () => {
    fc.assert(
      fc.property(minted, ({ id, token }) => {
        expect(parseToken(token)).toBe(id);
        expect(id).toHaveLength(ID_LENGTH);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a minted token with any one character changed to any other', () => {
    fc.assert(
      fc.property(
        minted,
        fc.nat({ max: TOKEN_LENGTH - 1 }),
        fc.oneof(fc.constantFrom(...BASE62), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
        ({ token }, at, replacement) => {
          fc.pre(token[at] !== replacement);
          const changed = token.slice(0, at) + replacement + token.slice(at + 1);
          expect(parseToken(changed)).toBeNull();
        },
      ),
      RUNS,
    );
  });

  it('refuses a character outside base62 even when the checksum was computed over it', () => {
    // The checksum alone would pass these: only the alphabet check stands in their way.
    fc.assert(
      fc.property(
        minted,
        fc.nat({ max: TOKEN_LENGTH - TOKEN_PREFIX.length - CHECKSUM_LENGTH - 1 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((char) => !BASE62.includes(char)),
        ({ token }, offset, outsider) => {
          const at = TOKEN_PREFIX.length + offset;
          const body = token.slice(0, at) + outsider + token.slice(at + 1, -CHECKSUM_LENGTH);
          const forged = body + encodeBase62(crc32(body), CHECKSUM_LENGTH);
          fc.pre(forged.length === TOKEN_LENGTH);
          expect(parseToken(forged)).toBeNull();
        },
      ),
      RUNS,
    );
  });

  it('refuses a prefix other than tg_ even with a checksum computed over it', () => {
    fc.assert(
      fc.property(minted, fc.constantFrom('TG_', 'tg-', 'xg_', 'tgA', '0g_'), ({ token }, prefix) => {
        const body = prefix + token.slice(TOKEN_PREFIX.length, -CHECKSUM_LENGTH);
        expect(parseToken(body + encodeBase62(crc32(body), CHECKSUM_LENGTH))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a minted token with the case of one letter, or of all of them, flipped', () => {
    fc.assert(
      fc.property(minted, fc.nat({ max: TOKEN_LENGTH - 1 }), ({ token }, at) => {
        const char = token[at] as string;
        fc.pre(flipCase(char) !== char);
        expect(parseToken(token.slice(0, at) + flipCase(char) + token.slice(at + 1))).toBeNull();
        expect(parseToken([...token].map(flipCase).join(''))).toBeNull();
      }),
      RUNS,
    );
  });

  it('refuses a minted token cut short, extended, or with a character dropped or doubled', () => {
    fc.assert(
      fc.property(
        minted,
        fc.nat({ max: TOKEN_LENGTH - 1 }),
        fc.string({ minLength: 1, maxLength: 8 }),
        ({ token }, at, extra) => {
          expect(parseToken(token.slice(0, at))).toBeNull();
          expect(parseToken(token + extra)).toBeNull();
          expect(parseToken(extra + token)).toBeNull();
          expect(parseToken(token.slice(0, at) + token.slice(at + 1))).toBeNull();
          expect(parseToken(token.slice(0, at) + token.slice(at))).toBe(parseToken(token)); // sanity
          expect(parseToken(token.slice(0, at + 1) + token.slice(at))).toBeNull();
        },
      ),
      RUNS,
    );
  });

  it('refuses two minted tokens spliced together (one’s body with the other’s checksum)', () => {
    fc.assert(
      fc.property(minted, minted, (a, b) => {
        const spliced = a.token.slice(0, -CHECKSUM_LENGTH) + b.token.slice(-CHECKSUM_LENGTH);
        expect(parseToken(spliced)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});

describe('tokenFromAuthorization', () => {
  it('never throws on any header value, and what it returns is one word of that value', () => {
    fc.assert(
      fc.property(fc.option(anyString, { nil: undefined }), (header) => {
        const token = tokenFromAuthorization(header);
        if (token !== null) {
          expect(token).not.toMatch(/\s/);
          expect(header).toContain(token);
        }
      }),
      RUNS,
    );
  });

  it('finds the token after Bearer or Key in any case and spacing, and nothing after other schemes', () => {
    fc.assert(
      fc.property(
        minted,
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Key', 'key'),
        fc.constantFrom(' ', '  ', '\t'),
        fc.constantFrom('Basic', 'Token', 'Bearer:', 'Digest', ''),
        ({ token }, scheme, space, other) => {
          expect(tokenFromAuthorization(`${scheme}${space}${token}`)).toBe(token);
          expect(tokenFromAuthorization(`${other} ${token}`)).toBeNull();
          expect(tokenFromAuthorization(`${scheme}${space}${token} ${token}`)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });
});
