// The list's toolbar: search as you type, the Status, Expiration, Usage and Sort By selects, Clear
// filters and Column Config.
import { useId } from 'react';
import type { ExpirationFilter, ListQuery, SortOrder, StatusFilter, UsageFilter } from './api';
import { ColumnConfig } from './ColumnConfig';
import type { ColumnKey } from './columns';
import { SearchIcon } from './icons';

/** A select's options: each value and its label, in the order shown. */
type Options<T extends string> = readonly (readonly [value: T, label: string])[];

const STATUS_OPTIONS: Options<StatusFilter> = [
  ['', 'All Statuses'],
  ['active', 'Active'],
  ['revoked', 'Revoked'],
  ['expired', 'Expired'],
];
const EXPIRATION_OPTIONS: Options<ExpirationFilter> = [
  ['', 'All'],
  ['never', 'Never Expires'],
  ['has_expiration', 'Has Expiration'],
  ['expired', 'Expired'],
];
const USAGE_OPTIONS: Options<UsageFilter> = [
  ['', 'Any'],
  ['30', 'Unused 30 days'],
  ['90', 'Unused 90 days'],
];
const SORT_OPTIONS: Options<SortOrder> = [
  ['newest', 'Newest First'],
  ['oldest', 'Oldest First'],
  ['name_asc', 'Name (A-Z)'],
  ['name_desc', 'Name (Z-A)'],
];

interface FilterSelectProps<T extends string> {
  id: string;
  label: string;
  value: T;
  options: Options<T>;
  onChange: (value: T) => void;
}

/** One of the toolbar's labelled selects. */
function FilterSelect<T extends string>({ id, label, value, options, onChange }: FilterSelectProps<T>) {
  return (
    <div className="select">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as T)}>
        {options.map(([option, optionLabel]) => (
          <option key={option} value={option}>
            {optionLabel}
          </option>
        ))}
      </select>
    </div>
  );
}

interface ToolbarProps {
  search: string;
  onSearch: (search: string) => void;
  query: ListQuery;
  onQuery: (query: ListQuery) => void;
  /** Whether Clear filters has anything to clear. */
  filtered: boolean;
  onClear: () => void;
  columns: readonly ColumnKey[];
  onColumns: (columns: ColumnKey[]) => void;
}

export function Toolbar({
  search,
  onSearch,
  query,
  onQuery,
  filtered,
  onClear,
  columns,
  onColumns,
}: ToolbarProps) {
  const ids = useId();
  return (
    <div className="toolbar">
      <div className="search">
        <SearchIcon />
        <input
          type="search"
          placeholder="Search tokens"
          aria-label="Search tokens"
          value={search}
          onChange={(event) => onSearch(event.target.value)}
        />
      </div>
      <FilterSelect
        id={`${ids}-status`}
        label="Status"
        value={query.status}
        options={STATUS_OPTIONS}
        onChange={(status) => onQuery({ ...query, status })}
      />
      <FilterSelect
        id={`${ids}-expiration`}
        label="Expiration"
        value={query.expiration}
        options={EXPIRATION_OPTIONS}
        onChange={(expiration) => onQuery({ ...query, expiration })}
      />
      <FilterSelect
        id={`${ids}-usage`}
        label="Usage"
        value={query.unused}
        options={USAGE_OPTIONS}
        onChange={(unused) => onQuery({ ...query, unused })}
      />
      <FilterSelect
        id={`${ids}-sort`}
        label="Sort By"
        value={query.sort}
        options={SORT_OPTIONS}
        onChange={(sort) => onQuery({ ...query, sort })}
      />
      <button type="button" className="button" onClick={onClear} disabled={!filtered}>
        Clear filters
      </button>
      <ColumnConfig columns={columns} onChange={onColumns} />
    </div>
  );
}
