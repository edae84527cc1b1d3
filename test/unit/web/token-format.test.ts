// The console refuses a malformed token before sending it (web/src/token-format.ts, a browser copy of
// the token format check): it must agree with the domain's parseToken on every kind of string.
import { describe, expect, it } from 'vitest';
import { mintToken, parseToken } from '#domain/token-format';
import { isWellFormedToken } from '../../../web/src/token-format';

describe('the console’s token format check', () => {
  it('accepts every well-formed token, as parseToken does', () => {
    for (let i = 0; i < 500; i++) {
      const { token } = mintToken();
      expect(isWellFormedToken(token)).toBe(true);
      expect(parseToken(token)).not.toBeNull();
    }
  });

  it('refuses what parseToken refuses: a changed character, a bad checksum, wrong lengths or prefixes', () => {
    const { token } = mintToken();
    const variants = [
      '',
      'tg_',
      token.slice(0, -1),
      `${token}x`,
      `xg_${token.slice(3)}`,
      token.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')),
      `${token.slice(0, 10)}${token[10] === 'a' ? 'b' : 'a'}${token.slice(11)}`,
      token.replace(/[0-9A-Za-z]$/, '-'),
      ` ${token.slice(1)}`,
    ];
    for (const variant of variants) {
      expect(isWellFormedToken(variant), variant).toBe(parseToken(variant) !== null);
      expect(isWellFormedToken(variant), variant).toBe(false);
    }
  });
});
