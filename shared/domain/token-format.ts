// The token string: `tg_` + id + secret + checksum, all base62, fixed lengths.
// The id lets the authorizer find the record with one read; the CRC32 lets it refuse a mistyped or
// forged-looking token without any read at all, and lets secret scanners recognise ours.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIX = 'tg_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ID_LENGTH = 16; // ~95 bits: unique without coordination
export const SECRET_LENGTH = 43; // 43 * log2(62) = 256.03 bits
export const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
export const TOKEN_LENGTH = TOKEN_PREFIX.length + ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
/** How much of a token may be shown again after creation: the prefix and part of the public id. */
export const HINT_LENGTH = TOKEN_PREFIX.length + 8;

export const TOKEN_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${ID_LENGTH}}$`);

/** Where random bytes come from: `crypto.randomBytes`; tests pass a deterministic source. */
export type ByteSource = (size: number) => Uint8Array;

/**
 * Uniform base62 characters by rejection sampling: 248 = 4 * 62, so bytes >= 248 are dropped.
 * Draws twice the length at a time: one draw (about 97% of its bytes kept) almost always suffices.
 */
export function randomBase62(length: number, draw: ByteSource = randomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const byte of draw(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function encodeBase62(value: number, width: number): string {
  let rest = value;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** 1 at each ASCII code of the alphabet; other codes are 0, or past its end (undefined). */
const IN_ALPHABET = new Uint8Array(128);
for (const char of ALPHABET) IN_ALPHABET[char.charCodeAt(0)] = 1;

/**
 * Whether `text` from `start` on is base62. A loop rather than a regular expression: the authorizer
 * checks every bearer with it before its read goes out, and there, between requests, the regular
 * expression's cold code cost about 3 µs a check against well under one for this (bench/).
 */
function isBase62(text: string, start: number): boolean {
  for (let at = start; at < text.length; at++) {
    if (IN_ALPHABET[text.charCodeAt(at)] !== 1) return false;
  }
  return true;
}

function checksumOf(body: string): string {
  return encodeBase62(crc32(body), CHECKSUM_LENGTH);
}

export function newTokenId(): string {
  return randomBase62(ID_LENGTH);
}

export interface MintedToken {
  id: string;
  token: string;
  hint: string;
}

export function mintToken(id: string = newTokenId()): MintedToken {
  const body = TOKEN_PREFIX + id + randomBase62(SECRET_LENGTH);
  const token = body + checksumOf(body);
  return { id, token, hint: hintOf(token) };
}

export function hintOf(token: string): string {
  return token.slice(0, HINT_LENGTH);
}

/** The token id if the string is a well-formed token with a valid checksum, otherwise null. */
export function parseToken(candidate: string): string | null {
  if (candidate.length !== TOKEN_LENGTH || !candidate.startsWith(TOKEN_PREFIX)) return null;
  if (!isBase62(candidate, TOKEN_PREFIX.length)) return null;
  const body = candidate.slice(0, -CHECKSUM_LENGTH);
  if (checksumOf(body) !== candidate.slice(-CHECKSUM_LENGTH)) return null;
  return candidate.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + ID_LENGTH);
}

/**
 * The Authorization header of a request that sent exactly one (`values`: every value sent under
 * that name, in any case), else undefined: a request with more than one is refused whatever they
 * hold, since a cache could key on one while the decision read another. A comma in a value is
 * headers joined into one (as HTTP APIs pass repeated headers on): no token holds a comma.
 */
export function soleAuthorization(values: readonly (string | undefined)[]): string | undefined {
  const [value] = values;
  return values.length === 1 && !value?.includes(',') ? value : undefined;
}

/** The token in an `Authorization: Bearer <token>` or `Authorization: Key <token>` header. */
export function tokenFromAuthorization(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^(Bearer|Key)\s+(\S+)\s*$/i.exec(header);
  return match?.[2] ?? null;
}
