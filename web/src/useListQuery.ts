// The list's query: the search box as typed, sent once typing pauses, the filters (status,
// expiration, usage) and the sort.
import { useEffect, useState } from 'react';
import type { ListQuery } from './api';

const SEARCH_DELAY_MS = 250;
export const EMPTY_QUERY: ListQuery = { q: '', status: '', expiration: '', sort: 'newest', unused: '' };

export interface ListQueryState {
  /** The search box's text, which becomes `query.q` once typing pauses. */
  search: string;
  setSearch: (search: string) => void;
  /** The query the list shows. */
  query: ListQuery;
  setQuery: (query: ListQuery) => void;
  /** Whether anything differs from the unfiltered, newest-first list. */
  filtered: boolean;
  clear: () => void;
}

export function useListQuery(): ListQueryState {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState<ListQuery>(EMPTY_QUERY);

  useEffect(() => {
    if (search === query.q) return;
    const timer = setTimeout(() => setQuery((current) => ({ ...current, q: search })), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, query.q]);

  const filtered =
    query.q !== '' ||
    query.status !== '' ||
    query.expiration !== '' ||
    query.sort !== 'newest' ||
    query.unused !== '' ||
    search !== '';
  const clear = () => {
    setSearch('');
    setQuery(EMPTY_QUERY);
  };
  return { search, setSearch, query, setQuery, filtered, clear };
}
