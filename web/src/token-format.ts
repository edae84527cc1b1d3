// The browser's copy of the token format check of shared/domain/token-format.ts (which needs
// node:zlib): a mistyped or truncated token is refused before it is sent anywhere.
// test/unit/web/token-format.test.ts holds the two to the same answers.
const PREFIX = 'tg_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PATTERN = /^tg_[0-9A-Za-z]{65}$/;
const CHECKSUM_LENGTH = 6;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, width: number): string {
  let rest = value;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** Whether `candidate` is a well-formed tokengate token with a valid checksum. */
export function isWellFormedToken(candidate: string): boolean {
  if (!PATTERN.test(candidate) || !candidate.startsWith(PREFIX)) return false;
  const body = candidate.slice(0, -CHECKSUM_LENGTH);
  return base62(crc32(body), CHECKSUM_LENGTH) === candidate.slice(-CHECKSUM_LENGTH);
}
