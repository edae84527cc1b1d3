// Human output: aligned tables and label/value blocks, dates in UTC, status in plain words (coloured
// as the console colours them, on a terminal that wants colour). Text from the API is made safe for a
// terminal (no control characters) before it is printed, and measured in terminal columns
// (string-width: a CJK character or an emoji takes two).
import stringWidth from 'string-width';
import type { ScopeGrant, Token, TokenUsage } from './responses';

/** Control characters (newlines, escapes) become spaces: a token description cannot move the cursor. */
export function plain(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ');
}

/** Terminal columns the text takes. */
export const width = (text: string): number => stringWidth(text);

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The text cut to at most `max` terminal columns, with an ellipsis where it was cut. */
export function truncate(text: string, max: number): string {
  if (width(text) <= max) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = width(segment);
    if (used + w > max - 1) break;
    kept += segment;
    used += w;
  }
  return `${kept}…`;
}

/** The width a table may take when stdout is not a terminal (a pipe, a file, a CI log). */
export const TABLE_WIDTH = 100;

export interface TableOptions {
  /**
   * Columns that may be cut, each with its share of the room: until the table fits `maxWidth`, the
   * column widest for its share loses a column (never below its header's width).
   */
  shrinkable?: Readonly<Record<number, number>>;
  maxWidth?: number;
  /** Styles a body cell (after it has been made plain and cut), e.g. colours it. */
  paint?: (row: number, column: number, text: string) => string;
}

/** Column widths: each column's widest cell, then the shrinkable ones cut, widest first, to fit. */
function columnWidths(cells: readonly (readonly string[])[], options: TableOptions): number[] {
  const header = cells[0] ?? [];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => width(row[column] ?? ''))));
  const max = options.maxWidth ?? Number.POSITIVE_INFINITY;
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  const floor = (column: number) => width(header[column] ?? '');
  const shares = Object.entries(options.shrinkable ?? {}).map(([column, share]) => [Number(column), share]);
  const load = ([column, share]: number[]) => (widths[column ?? 0] ?? 0) / (share ?? 1);
  while (total() > max) {
    const widest = shares
      .filter(([column]) => (widths[column ?? 0] ?? 0) > floor(column ?? 0))
      .sort((a, b) => load(b) - load(a))[0]?.[0];
    if (widest === undefined) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/** Columns separated by two spaces, each as wide as its widest cell; no trailing spaces. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const cells = [header, ...rows].map((row) => row.map(plain));
  const widths = columnWidths(cells, options);
  return cells
    .map((row, r) =>
      row
        .map((cell, column) => {
          const cut = truncate(cell, widths[column] ?? 0);
          const shown = r > 0 && options.paint ? options.paint(r - 1, column, cut) : cut;
          return shown + ' '.repeat(Math.max(0, (widths[column] ?? 0) - width(cut)));
        })
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Labels in a column, values beside them; a value of several lines continues under the first. */
export function details(
  pairs: readonly (readonly [string, string | readonly string[]])[],
  paint: (label: string, line: string) => string = (_, line) => line,
): string {
  const labelWidth = Math.max(...pairs.map(([label]) => width(label)));
  const indent = ' '.repeat(labelWidth + 2);
  return pairs
    .flatMap(([label, value]) => {
      const lines = (typeof value === 'string' ? [value] : value.length > 0 ? value : ['-']).map((line) =>
        paint(label, plain(line)),
      );
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

/** `2026-05-01` (UTC); the API's text as it is if it is not a date. */
export function formatDate(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toISOString().slice(0, 10);
}

export interface Style {
  /** Colour the status (ANSI), as the console does: only on a terminal that wants colour. */
  colour: boolean;
  /**
   * The columns a table may take (the terminal's width; TABLE_WIDTH when not a terminal); null for
   * `--wide`: every cell whole, and the extra columns. @default TABLE_WIDTH
   */
  width?: number | null;
}

const PLAIN: Style = { colour: false };

/** The console's status colours: green active, grey revoked, red expired. */
const STATUS_COLOURS: Record<string, string> = { active: '32', revoked: '90', expired: '31' };

export function paintStatus(status: string, style: Style): string {
  const colour = STATUS_COLOURS[status.trim()];
  return style.colour && colour ? `\u001b[${colour}m${status}\u001b[39m` : status;
}

const LIST_HEADER = ['ID', 'STATUS', 'DESCRIPTION', 'USER', 'SCOPES', 'CREATED', 'EXPIRES'];
/** `--wide` adds who made each token (in words) and when it was last used. */
const WIDE_HEADER = [...LIST_HEADER, 'CREATED BY', 'LAST USED'];
const STATUS_COLUMN = 1;
/** Description, user and scopes give way so that a row fits the width; the description keeps most. */
const SHRINKABLE = { 2: 4, 3: 2, 4: 3 };

/**
 * The token list as a table, one token a row, dates in UTC, at most `style.width` columns wide (cells
 * cut with an ellipsis); with a width of null (`--wide`) nothing is cut and two columns more are shown.
 */
export function tokenTable(tokens: readonly Token[], style: Style = PLAIN): string {
  const wide = style.width === null;
  return table(
    wide ? WIDE_HEADER : LIST_HEADER,
    tokens.map((token) => [
      token.id,
      token.status,
      token.description,
      token.user_email ?? '-',
      formatScopes(token.scopes),
      formatDate(token.created_at),
      token.expires_at ? formatDate(token.expires_at) : 'never',
      ...(wide
        ? [
            token.created_by_name ?? token.created_by,
            token.last_used_at ? formatDate(token.last_used_at) : 'never',
          ]
        : []),
    ]),
    {
      shrinkable: SHRINKABLE,
      maxWidth: wide ? Number.POSITIVE_INFINITY : (style.width ?? TABLE_WIDTH),
      paint: (_, column, text) => (column === STATUS_COLUMN ? paintStatus(text, style) : text),
    },
  );
}

const when = (time: string | null, by: string | null, none: string) =>
  time ? `${formatTime(time, true)} UTC${by ? ` by ${by}` : ''}` : none;

/** Who made the token: its name in words (the creating token's description) with the principal beside it. */
function creatorOf(token: Token): string {
  return token.created_by_name ? `${token.created_by_name} (${token.created_by})` : token.created_by;
}

/** `42 in the last 30 days (3 denied)`: a token's usage, as `show token` prints it. */
export function usageLine(usage: TokenUsage): string {
  const denied = usage.days.reduce((sum, day) => sum + day.denied, 0);
  return `${usage.requests} in the last ${usage.days.length} days${denied > 0 ? ` (${denied} denied)` : ''}`;
}

/**
 * One token, every field, a line each. `extra` rows (the new secret) come first; its usage, when
 * given, after its last use.
 */
export function tokenDetails(
  token: Token,
  extra: readonly (readonly [string, string])[] = [],
  style: Style = PLAIN,
  usage?: TokenUsage,
): string {
  return details(
    [
      ...extra,
      ['ID', token.id],
      ['Description', token.description],
      ['Status', token.status],
      ['Kind', token.kind],
      ['User', token.user_email ?? '-'],
      ['Scopes', token.scopes.map(formatScope)],
      ['Created', when(token.created_at, creatorOf(token), '-')],
      ['Expires', when(token.expires_at, null, 'never')],
      ['Revoked', when(token.revoked_at, token.revoked_by, '-')],
      ['Last used', when(token.last_used_at, null, 'never')],
      ...(usage ? [['Requests', usageLine(usage)] as const] : []),
      ['Hint', token.hint],
      ...(token.rotated_from ? [['Rotated from', token.rotated_from] as const] : []),
      ...(token.rotated_to ? [['Rotated to', token.rotated_to] as const] : []),
    ],
    (label, line) => (label === 'Status' ? paintStatus(line, style) : line),
  );
}
