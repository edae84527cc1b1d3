// Where the console keeps what it remembers. The admin token lives for the browser tab only
// (sessionStorage), never in localStorage or a cookie; localStorage holds only
// the column choice.
import { COLUMN_KEYS, type ColumnKey, DEFAULT_COLUMNS } from './columns';

/** The sessionStorage key of the admin token (the benchmark signs in through it). */
export const TOKEN_KEY = 'tokengate.console.token';
const COLUMNS_KEY = 'tokengate.console.columns';

export function loadSessionToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveSessionToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token lives in memory only
  }
}

export function loadColumns(): ColumnKey[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
    if (Array.isArray(stored)) {
      return COLUMN_KEYS.filter((key) => stored.includes(key));
    }
  } catch {
    // unreadable: fall back to the defaults
  }
  return [...DEFAULT_COLUMNS];
}

export function saveColumns(columns: readonly ColumnKey[]): void {
  try {
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(columns));
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
}
