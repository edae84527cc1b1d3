// Human output: aligned tables and label/value blocks, dates in UTC, status in plain words. Text from
// the API is made safe for a terminal (no control characters) before it is printed.
import type { ScopeGrant, Token } from './responses';

/** Control characters (newlines, escapes) become spaces: a token description cannot move the cursor. */
export function plain(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ');
}

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const width = (text: string) => [...text].length;

/** Columns separated by two spaces, each as wide as its widest cell; no trailing spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(plain));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => width(row[column] ?? ''))));
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - width(cell)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Labels in a column, values beside them; a value of several lines continues under the first. */
export function details(pairs: readonly (readonly [string, string | readonly string[]])[]): string {
  const labelWidth = Math.max(...pairs.map(([label]) => width(label)));
  const indent = ' '.repeat(labelWidth + 2);
  return pairs
    .flatMap(([label, value]) => {
      const lines = (typeof value === 'string' ? [value] : value.length > 0 ? value : ['-']).map(plain);
      return lines.map((line, i) => (i === 0 ? `${label.padEnd(labelWidth)}  ${line}` : `${indent}${line}`));
    })
    .map((line) => `${line.trimEnd()}\n`)
    .join('');
}

/** `2026-05-01 12:34` (UTC), or with seconds; the API's text as it is if it is not a date. */
export function formatTime(iso: string, withSeconds = false): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return time
    .toISOString()
    .slice(0, withSeconds ? 19 : 16)
    .replace('T', ' ');
}

export function formatScope(grant: ScopeGrant): string {
  return grant.resources ? `${grant.scope}(${grant.resources.join(',')})` : grant.scope;
}

export function formatScopes(scopes: readonly ScopeGrant[]): string {
  return scopes.map(formatScope).join(' ');
}

const LIST_HEADER = ['ID', 'STATUS', 'DESCRIPTION', 'USER', 'SCOPES', 'CREATED (UTC)', 'EXPIRES (UTC)'];
const DESCRIPTION_WIDTH = 40;

/** The token list as a table, one token a row. */
export function tokenTable(tokens: readonly Token[]): string {
  return table(
    LIST_HEADER,
    tokens.map((token) => [
      token.id,
      token.status,
      truncate(plain(token.description), DESCRIPTION_WIDTH),
      token.user_email ?? '-',
      formatScopes(token.scopes),
      formatTime(token.created_at),
      token.expires_at ? formatTime(token.expires_at) : 'never',
    ]),
  );
}

const when = (time: string | null, by: string | null, none: string) =>
  time ? `${formatTime(time, true)} UTC${by ? ` by ${by}` : ''}` : none;

/** One token, every field, a line each. `extra` rows (the new secret) come first. */
export function tokenDetails(token: Token, extra: readonly (readonly [string, string])[] = []): string {
  return details([
    ...extra,
    ['ID', token.id],
    ['Description', token.description],
    ['Status', token.status],
    ['Kind', token.kind],
    ['User', token.user_email ?? '-'],
    ['Scopes', token.scopes.map(formatScope)],
    ['Created', when(token.created_at, token.created_by, '-')],
    ['Expires', when(token.expires_at, null, 'never')],
    ['Revoked', when(token.revoked_at, token.revoked_by, '-')],
    ['Last used', when(token.last_used_at, null, 'never')],
    ['Hint', token.hint],
  ]);
}
