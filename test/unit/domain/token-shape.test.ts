// The token string's edges, each pinned so that a loosened check fails a test (mutation
// testing): the Authorization header's anchors and spacing, the shape check before the checksum,
// the token id pattern, and the secret's alphabet (rejection sampling over a deterministic byte source).
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHECKSUM_LENGTH,
  encodeBase62,
  HINT_LENGTH,
  hintOf,
  ID_LENGTH,
  mintToken,
  newTokenId,
  parseToken,
  randomBase62,
  SECRET_LENGTH,
  TOKEN_ID_PATTERN,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  tokenFromAuthorization,
} from '#domain/token-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A byte source that hands out `bytes` in order, cycling, and records each size asked for. */
function bytesFrom(bytes: readonly number[]) {
  let next = 0;
  const sizes: number[] = [];
  const draw = (size: number) => {
    sizes.push(size);
    return Uint8Array.from({ length: size }, () => bytes[next++ % bytes.length] as number);
  };
  return { draw, sizes };
}

describe('tokenFromAuthorization: the header pattern', () => {
  const token = mintToken().token;

  it('the scheme must start the header: XBearer, Basic Bearer and a leading space are refused', () => {
    for (const header of [
      `XBearer ${token}`,
      `Basic Bearer ${token}`,
      `Basic Key ${token}`,
      ` Bearer ${token}`,
      `MyKey ${token}`,
      `Bearer: ${token}`,
    ]) {
      expect(tokenFromAuthorization(header), header).toBeNull();
    }
  });

  it('one token ends the header: anything after it but whitespace is refused', () => {
    expect(tokenFromAuthorization(`Bearer ${token} x`)).toBeNull();
    expect(tokenFromAuthorization(`Bearer ${token},Bearer ${token}`)).toBeNull();
    expect(tokenFromAuthorization(`Bearer ${token}  `)).toBe(token);
    expect(tokenFromAuthorization(`Bearer ${token}\t\r\n`)).toBe(token);
  });

  it('any run of whitespace separates scheme and token: spaces, tabs, several of them', () => {
    for (const gap of [' ', '  ', '\t', '\t\t', ' \t ']) {
      expect(tokenFromAuthorization(`Bearer${gap}${token}`), JSON.stringify(gap)).toBe(token);
      expect(tokenFromAuthorization(`Key${gap}${token}`), JSON.stringify(gap)).toBe(token);
    }
  });

  it('without whitespace after the scheme there is no token', () => {
    expect(tokenFromAuthorization(`Bearer${token}`)).toBeNull();
    expect(tokenFromAuthorization(`Key${token}`)).toBeNull();
    expect(tokenFromAuthorization('Bearer ')).toBeNull();
    expect(tokenFromAuthorization('')).toBeNull();
    expect(tokenFromAuthorization(null)).toBeNull();
  });

  it('the scheme is matched in any case', () => {
    expect(tokenFromAuthorization(`BEARER ${token}`)).toBe(token);
    expect(tokenFromAuthorization(`kEY ${token}`)).toBe(token);
  });
});

describe('parseToken: the shape check before the checksum', () => {
  /** `body` with its correct checksum appended: only the shape check can refuse it. */
  const withChecksum = (body: string) => body + encodeBase62(crc32(body), CHECKSUM_LENGTH);

  it('a well-checksummed string of the wrong length is refused', () => {
    const id = 'A'.repeat(ID_LENGTH);
    expect(parseToken(withChecksum(`${TOKEN_PREFIX}${id}${'s'.repeat(SECRET_LENGTH)}`))).toBe(id);
    expect(parseToken(withChecksum(`${TOKEN_PREFIX}${id}${'s'.repeat(SECRET_LENGTH - 1)}`))).toBeNull();
    expect(parseToken(withChecksum(`${TOKEN_PREFIX}${id}${'s'.repeat(SECRET_LENGTH + 1)}`))).toBeNull();
  });

  it('a well-checksummed string of the right length with a character outside base62 is refused', () => {
    for (const odd of ['-', '_', '+', '/', '=', ' ', '.', 'é', '\n']) {
      const body = `${TOKEN_PREFIX}${'A'.repeat(ID_LENGTH)}${odd}${'s'.repeat(SECRET_LENGTH - 1)}`;
      expect(body.length + CHECKSUM_LENGTH).toBe(TOKEN_LENGTH);
      expect(parseToken(withChecksum(body)), JSON.stringify(odd)).toBeNull();
    }
  });

  it('the prefix must start the string: a well-checksummed string with another prefix is refused', () => {
    const rest = 'A'.repeat(ID_LENGTH) + 's'.repeat(SECRET_LENGTH);
    for (const prefix of ['tgx', 'TG_', 'xg_', '_tg']) {
      expect(parseToken(withChecksum(prefix + rest)), prefix).toBeNull();
    }
    // The pattern's end anchor: a token followed by a newline is the wrong length, and not a token.
    const { token } = mintToken();
    expect(parseToken(`${token}\n`)).toBeNull();
    expect(parseToken(`x${token.slice(1)}`)).toBeNull();
  });

  it('returns exactly the id: the 16 characters after the prefix', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...BASE62), minLength: ID_LENGTH, maxLength: ID_LENGTH }),
        (id) => {
          const { token } = mintToken(id);
          expect(parseToken(token)).toBe(id);
          expect(token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + ID_LENGTH)).toBe(id);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('token id pattern', () => {
  it('accepts exactly 16 base62 characters', () => {
    expect(TOKEN_ID_PATTERN.test('0123456789abcDEF')).toBe(true);
    expect(TOKEN_ID_PATTERN.test(newTokenId())).toBe(true);
    for (const candidate of [
      '0123456789abcDE',
      '0123456789abcDEF0',
      '0123456789abc-EF',
      '0123456789abc_EF',
      '0123456789abc EF',
      ' 0123456789abcDEF',
      '0123456789abcDEF\n',
      'x0123456789abcDEF',
      '',
    ]) {
      expect(TOKEN_ID_PATTERN.test(candidate), JSON.stringify(candidate)).toBe(false);
    }
  });
});

describe('hint', () => {
  it('is the prefix and the first 8 characters of the id, nothing of the secret', () => {
    const { token, hint, id } = mintToken('ABCDEFGH12345678');
    expect(HINT_LENGTH).toBe(TOKEN_PREFIX.length + 8);
    expect(hint).toBe(`${TOKEN_PREFIX}ABCDEFGH`);
    expect(hintOf(token)).toBe(hint);
    expect(id).toBe('ABCDEFGH12345678');
  });
});

describe('encodeBase62', () => {
  it('writes the value in base 62, most significant digit first, zero-padded to the width', () => {
    expect(encodeBase62(0, 6)).toBe('000000');
    expect(encodeBase62(61, 3)).toBe('00z');
    expect(encodeBase62(62, 3)).toBe('010');
    expect(encodeBase62(62 * 62 + 2 * 62 + 3, 3)).toBe('123');
    expect(encodeBase62(2 ** 32 - 1, 6)).toBe('4gfFC3');
  });
});

describe('randomBase62: rejection sampling', () => {
  it('maps every byte below 248 to ALPHABET[byte % 62] and drops 248..255', () => {
    const all = Array.from({ length: 256 }, (_, byte) => byte);
    const { draw } = bytesFrom(all);
    const out = randomBase62(248, draw);
    expect(out).toBe(BASE62.repeat(4));
  });

  it('drops the bytes 248..255, which would bias the first eight characters', () => {
    const { draw } = bytesFrom([248, 249, 250, 251, 252, 253, 254, 255, 7]);
    expect(randomBase62(3, draw)).toBe('777');
    const { draw: only248 } = bytesFrom([248, 61]);
    expect(randomBase62(2, only248)).toBe('zz');
  });

  it('every character is equally likely: each of the 62 once per 62 consecutive kept bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 600 }), (bytes) => {
        fc.pre(bytes.some((byte) => byte < 248));
        const { draw } = bytesFrom(bytes);
        const kept = bytes.filter((byte) => byte < 248);
        const out = randomBase62(kept.length, draw);
        expect(out).toBe(kept.map((byte) => BASE62[byte % 62]).join(''));
      }),
      { numRuns: 200 },
    );
    // Over every byte value, each character comes from exactly four of them.
    const counts = new Map<string, number>();
    for (const byte of Array.from({ length: 256 }, (_, b) => b)) {
      const { draw } = bytesFrom([byte, 0]);
      const first = randomBase62(1, draw);
      if (byte < 248) counts.set(first, (counts.get(first) ?? 0) + 1);
      else expect(first).toBe('0');
    }
    expect([...counts.values()]).toEqual(Array(62).fill(4));
  });

  it('draws twice the length at a time, and draws again only when a draw falls short', () => {
    const fine = bytesFrom([1, 2, 3]);
    expect(randomBase62(SECRET_LENGTH, fine.draw)).toHaveLength(SECRET_LENGTH);
    expect(fine.sizes).toEqual([SECRET_LENGTH * 2]);
    // Three bytes in four dropped: 20 bytes per draw keep 5, so 10 characters take two draws.
    const poor = bytesFrom([255, 254, 253, 9]);
    expect(randomBase62(10, poor.draw)).toBe('9'.repeat(10));
    expect(poor.sizes).toEqual([20, 20]);
  });

  it('stops at the length within a draw', () => {
    const { draw } = bytesFrom([5]);
    expect(randomBase62(4, draw)).toBe('5555');
    expect(randomBase62(0, draw)).toBe('');
  });

  it('mints with crypto randomness: ids and secrets of the right length and alphabet', () => {
    const { token, id } = mintToken();
    expect(id).toMatch(/^[0-9A-Za-z]{16}$/);
    expect(token.slice(TOKEN_PREFIX.length + ID_LENGTH, -CHECKSUM_LENGTH)).toMatch(/^[0-9A-Za-z]{43}$/);
    expect(randomBase62(SECRET_LENGTH)).toMatch(/^[0-9A-Za-z]{43}$/);
  });
});

describe('token layout', () => {
  it('is tg_, 16 id characters, 43 secret characters and a 6-character checksum: 68 in all', () => {
    const { token, id } = mintToken();
    expect(token.slice(0, 3)).toBe('tg_');
    expect(token.slice(3, 19)).toBe(id);
    expect(token).toHaveLength(68);
    expect(hintOf(token)).toHaveLength(11);
  });
});
