// Below the table: how many rows are shown, and the next page, loaded as this footer scrolls into
// view (or with Load more).
import { useEffect, useRef } from 'react';
import type { TokenPages } from './useTokenPages';

interface ListFooterProps {
  pages: TokenPages;
  onMore: () => void;
}

export function ListFooter({ pages, onMore }: ListFooterProps) {
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = sentinel.current;
    if (!element || !pages.cursor) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onMore();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [onMore, pages.cursor]);

  const count = pages.tokens.length;
  return (
    <div className="list-footer" ref={sentinel}>
      <span className="muted" aria-live="polite">
        {pages.loading
          ? 'Loading tokens…'
          : `${count} ${count === 1 ? 'token' : 'tokens'} shown${pages.cursor ? ', more below' : ''}`}
      </span>
      {pages.cursor && (
        <button type="button" className="button" onClick={onMore} disabled={pages.loading}>
          Load more
        </button>
      )}
    </div>
  );
}
