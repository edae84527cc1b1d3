// The list's rows, page by page over the API's cursor: a new query starts a new list, and the answers
// to older queries are dropped when they come.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api, ListQuery, TokenView } from './api';
import { takeFirstPage } from './first-page';

export interface TokenPages {
  tokens: TokenView[];
  /** The cursor of the next page, null at the end. */
  cursor: string | null;
  loading: boolean;
  error: string | null;
}

export interface TokenPagesState {
  pages: TokenPages;
  /** The next page, when there is one and none is loading. */
  loadMore: () => void;
  /** The list again from its first page (a token was created or rotated). */
  reload: () => void;
  /** A token as read again (revoked, renamed), in its place. */
  replace: (token: TokenView) => void;
}

export function useTokenPages(
  api: Api,
  query: ListQuery,
  failed: (error: unknown) => string,
): TokenPagesState {
  const [pages, setPages] = useState<TokenPages>({ tokens: [], cursor: null, loading: true, error: null });
  const generation = useRef(0);

  const load = useCallback(
    async (cursor: string | null) => {
      const mine = cursor ? generation.current : ++generation.current;
      setPages((current) => ({ ...current, loading: true, error: null }));
      try {
        const result = await ((cursor === null && takeFirstPage(api, query)) ||
          api.listTokens(query, cursor));
        if (mine !== generation.current) return;
        setPages((current) => ({
          tokens: cursor ? [...current.tokens, ...result.tokens] : result.tokens,
          cursor: result.next_cursor,
          loading: false,
          error: null,
        }));
      } catch (error) {
        if (mine !== generation.current) return;
        setPages((current) => ({ ...current, loading: false, error: failed(error) }));
      }
    },
    [api, query, failed],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const loadMore = useCallback(() => {
    if (pages.cursor && !pages.loading) void load(pages.cursor);
  }, [load, pages.cursor, pages.loading]);

  const reload = useCallback(() => void load(null), [load]);

  const replace = useCallback((token: TokenView) => {
    setPages((current) => ({
      ...current,
      tokens: current.tokens.map((candidate) => (candidate.id === token.id ? token : candidate)),
    }));
  }, []);

  return { pages, loadMore, reload, replace };
}
