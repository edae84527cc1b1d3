// The search the whole test run's logs go through at the end (test/support/token-leak-check.ts): it
// must find every minted token wherever it sits in the text, and nothing else.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HINT_LENGTH, mintToken } from '#domain/token-format';
import { redacted, scanLogDir, tokensIn } from '#test-support/token-leak-scan';

describe('tokensIn', () => {
  it('finds a token inside JSON, after a scheme, glued to other characters, and split across lines it is not', () => {
    const [a, b, c] = [mintToken().token, mintToken().token, mintToken().token];
    const text = `{"level":"INFO","authorization":"Bearer ${a}"}\nKey ${b}\nxyz${c}123\n`;
    expect(tokensIn(text).sort()).toEqual([a, b, c].sort());
  });

  it('ignores strings of a token’s shape with a wrong checksum, hints, and cut tokens', () => {
    const { token, hint } = mintToken();
    const wrongChecksum = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    expect(tokensIn(`${wrongChecksum} ${hint} ${token.slice(0, -2)} tg_`)).toEqual([]);
  });

  it('reports each token once', () => {
    const { token } = mintToken();
    expect(tokensIn(`${token} ${token}`)).toEqual([token]);
  });
});

describe('scanLogDir', () => {
  it('names the file a token was found in, and shows only its hint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokengate-scan-'));
    try {
      const { token } = mintToken();
      writeFileSync(join(dir, 'clean.log'), 'GET /healthz 200 1ms\n');
      writeFileSync(join(dir, 'leaky.log'), Buffer.from(`token=${token}\n`));
      const { files, leaks } = scanLogDir(dir);

      expect(files).toBe(2);
      expect(leaks).toEqual([{ file: join(dir, 'leaky.log'), hint: redacted(token) }]);
      expect(redacted(token)).toBe(`${token.slice(0, HINT_LENGTH)}…`);
      expect(JSON.stringify(leaks)).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
