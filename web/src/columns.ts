// The list's configurable columns, in display order.
export const COLUMNS = [
  { key: 'status', label: 'Status' },
  { key: 'name', label: 'Token Name' },
  { key: 'id', label: 'Token ID' },
  { key: 'scope', label: 'Scope' },
  { key: 'created', label: 'Created Date' },
  { key: 'expires', label: 'Expiration Date' },
  { key: 'lastUsed', label: 'Last Used' },
  { key: 'user', label: 'Created For (User)' },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

export const COLUMN_KEYS: readonly ColumnKey[] = COLUMNS.map((column) => column.key);

export const DEFAULT_COLUMNS: readonly ColumnKey[] = [
  'status',
  'name',
  'scope',
  'created',
  'expires',
  'lastUsed',
  'user',
];

/** A column choice as the console keeps it: the columns shown, and every column there was to choose from. */
export interface KeptColumns {
  shown: ColumnKey[];
  offered: ColumnKey[];
}

/** The columns a choice kept as a bare list (before the console kept what it offered) had to choose from. */
const OFFERED_BY_BARE_LISTS: readonly ColumnKey[] = COLUMN_KEYS.filter((key) => key !== 'lastUsed');

/** What to keep of the columns chosen now. */
export function keptColumns(shown: readonly ColumnKey[]): KeptColumns {
  return { shown: COLUMN_KEYS.filter((key) => shown.includes(key)), offered: [...COLUMN_KEYS] };
}

/**
 * The columns to show from a kept choice: those it showed, and the default columns added since it
 * was made (a column the person never saw in Column Config is not one they hid). Anything else
 * kept (nothing, or unreadable) gives the defaults.
 */
export function columnsFromKept(kept: unknown): ColumnKey[] {
  const list = (value: unknown): unknown[] | null => (Array.isArray(value) ? value : null);
  const shown = list(kept) ?? list((kept as Partial<KeptColumns> | null)?.shown);
  if (!shown) return [...DEFAULT_COLUMNS];
  const offered = list(kept) ? OFFERED_BY_BARE_LISTS : (list((kept as KeptColumns).offered) ?? []);
  return COLUMN_KEYS.filter(
    (key) => shown.includes(key) || (DEFAULT_COLUMNS.includes(key) && !offered.includes(key)),
  );
}
