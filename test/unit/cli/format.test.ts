// The CLI's human output: aligned tables, label/value blocks, UTC dates, scopes, and text from the
// API made safe for a terminal.
import { describe, expect, it } from 'vitest';
import {
  details,
  formatScopes,
  formatTime,
  plain,
  table,
  tokenDetails,
  tokenTable,
  truncate,
} from '#cli/format';
import { lines, sampleToken } from './fixtures';

describe('table', () => {
  it('pads each column to its widest cell, two spaces apart, without trailing spaces', () => {
    expect(
      table(
        ['ID', 'STATUS', 'NOTE'],
        [
          ['a', 'active', ''],
          ['bbbb', 'revoked', 'x'],
        ],
      ),
    ).toBe('ID    STATUS   NOTE\n' + 'a     active\n' + 'bbbb  revoked  x\n');
  });

  it('measures terminal columns: an emoji or a CJK character takes two, so wide text does not shift columns', () => {
    const out = lines(
      table(
        ['A', 'B'],
        [
          ['🔑🔑', 'x'],
          ['abc', 'y'],
        ],
      ),
    );
    expect(out).toEqual(['A     B', '🔑🔑  x', 'abc   y']);
    expect(
      lines(
        table(
          ['NAME', 'X'],
          [
            ['日本語', 'x'],
            ['abcdef', 'y'],
          ],
        ),
      ),
    ).toEqual(['NAME    X', '日本語  x', 'abcdef  y']);
  });

  it('turns control characters into spaces, so a description cannot break a row or move the cursor', () => {
    expect(plain('two\nlines\u001b[2Jand\tescape')).toBe('two lines [2Jand escape');
    expect(lines(table(['D'], [['a\nb']]))).toEqual(['D', 'a b']);
  });
});

describe('details', () => {
  it('aligns values after the widest label, continuing a list under its first line', () => {
    expect(
      details([
        ['ID', 'x'],
        ['Scopes', ['a', 'b']],
        ['Empty', []],
      ]),
    ).toBe('ID      x\n' + 'Scopes  a\n' + '        b\n' + 'Empty   -\n');
  });
});

describe('formatting values', () => {
  it('shows times in UTC, to the minute or the second', () => {
    expect(formatTime('2026-05-01T12:34:56.789Z')).toBe('2026-05-01 12:34');
    expect(formatTime('2026-05-01T14:34:56+02:00', true)).toBe('2026-05-01 12:34:56');
    expect(formatTime('not a date')).toBe('not a date');
  });

  it('shows scopes with their resources', () => {
    expect(
      formatScopes([
        { scope: 'repos:read', resources: ['cran', 'pypi'] },
        { scope: 'blocklist:read', resources: null },
      ]),
    ).toBe('repos:read(cran,pypi) blocklist:read');
  });

  it('cuts long text with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcd', 4)).toBe('abcd');
  });
});

describe('tokens', () => {
  it('lists never for no expiry, - for no user, dates in UTC, and cuts a long description to fit', () => {
    const rows = lines(tokenTable([sampleToken({ description: 'x'.repeat(60) })]));
    const cells = rows[1]?.split(/ {2,}/);
    expect(cells).toEqual([
      'AAAAAAAAAAAAAAA1',
      'active',
      `${'x'.repeat(28)}…`,
      '-',
      'repos:read(cran)',
      '2026-01-02',
      'never',
    ]);
  });

  it('shows every field of one token, with who created and revoked it', () => {
    const text = tokenDetails(
      sampleToken({
        status: 'revoked',
        user_email: 'a@example.com',
        revoked_at: '2026-02-03T04:05:06.000Z',
        revoked_by: 'token:ADMINADMINADMIN1',
        expires_at: '2027-01-31T00:00:00.000Z',
      }),
    );
    expect(lines(text)).toEqual([
      'ID           AAAAAAAAAAAAAAA1',
      'Description  CI downloads',
      'Status       revoked',
      'Kind         user',
      'User         a@example.com',
      'Scopes       repos:read(cran)',
      'Created      2026-01-02 03:04:05 UTC by token:ADMINADMINADMIN1',
      'Expires      2027-01-31 00:00:00 UTC',
      'Revoked      2026-02-03 04:05:06 UTC by token:ADMINADMINADMIN1',
      'Last used    never',
      'Hint         tg_AAAAAAAA',
    ]);
  });

  it('names the creator in words when the API says who, the principal beside it', () => {
    const text = tokenDetails(sampleToken({ created_by_name: 'Provisioning admin' }));
    expect(text).toContain(
      'Created      2026-01-02 03:04:05 UTC by Provisioning admin (token:ADMINADMINADMIN1)\n',
    );
  });
});
