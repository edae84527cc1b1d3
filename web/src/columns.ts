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
