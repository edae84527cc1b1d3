// The token list: search as you type, filters, sort, more rows over the API's cursor as you scroll,
// Column Config, row details, revoke, and Create Token.
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import {
  type Api,
  ApiError,
  type CatalogueScope,
  type ExpirationFilter,
  type ListQuery,
  type SortOrder,
  type StatusFilter,
  type TokenView,
} from './api';
import { ColumnConfig } from './ColumnConfig';
import { CreateTokenDialog } from './CreateTokenDialog';
import { COLUMNS, type ColumnKey } from './columns';
import { formatDate, formatDateTime } from './format';
import { PlusIcon, SearchIcon, TrashIcon } from './icons';
import { RevokeDialog } from './RevokeDialog';
import { RotateDialog } from './RotateDialog';
import { TokenBadges } from './StatusBadge';
import { readScope, scopeLabel, UNKNOWN_SCOPE } from './scopes';
import { loadColumns, saveColumns } from './session';
import { TokenDetails } from './TokenDetails';

const SEARCH_DELAY_MS = 250;
const EMPTY_QUERY: ListQuery = { q: '', status: '', expiration: '', sort: 'newest' };

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

interface TokenListProps {
  api: Api;
  /** The expiry-warning window, for the `Expiring soon` badge. */
  warningSeconds: number;
  onSignedOut: (why?: string) => void;
}

interface Page {
  tokens: TokenView[];
  cursor: string | null;
  loading: boolean;
  error: string | null;
}

export function TokenList({ api, warningSeconds, onSignedOut }: TokenListProps) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState<ListQuery>(EMPTY_QUERY);
  const [page, setPage] = useState<Page>({ tokens: [], cursor: null, loading: true, error: null });
  const [columns, setColumns] = useState<ColumnKey[]>(loadColumns);
  const [creating, setCreating] = useState(false);
  const [detailsId, setDetailsId] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const [rotating, setRotating] = useState<TokenView | null>(null);
  const [revision, setRevision] = useState(0);
  /** The deployment's scope catalogue: the dialog's pickers and the scopes' labels. */
  const [catalogue, setCatalogue] = useState<CatalogueScope[] | null>(null);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const generation = useRef(0);
  const sentinel = useRef<HTMLDivElement>(null);
  const ids = useId();

  const failed = useCallback(
    (error: unknown): string => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        onSignedOut('You were signed out: the API no longer accepts your admin token.');
      }
      return error instanceof Error ? error.message : String(error);
    },
    [onSignedOut],
  );

  // A new query starts a new list; answers to older queries are dropped.
  const load = useCallback(
    async (next: ListQuery, cursor: string | null) => {
      const mine = cursor ? generation.current : ++generation.current;
      setPage((current) => ({ ...current, loading: true, error: null }));
      try {
        const result = await api.listTokens(next, cursor);
        if (mine !== generation.current) return;
        setPage((current) => ({
          tokens: cursor ? [...current.tokens, ...result.tokens] : result.tokens,
          cursor: result.next_cursor,
          loading: false,
          error: null,
        }));
      } catch (error) {
        if (mine !== generation.current) return;
        setPage((current) => ({ ...current, loading: false, error: failed(error) }));
      }
    },
    [api, failed],
  );

  useEffect(() => {
    void load(query, null);
  }, [load, query]);

  useEffect(() => {
    let live = true;
    api.scopes().then(
      (found) => live && setCatalogue(found),
      (error: unknown) => live && setCatalogueError(failed(error)),
    );
    return () => {
      live = false;
    };
  }, [api, failed]);

  // Search as you type, once typing pauses.
  useEffect(() => {
    if (search === query.q) return;
    const timer = setTimeout(() => setQuery((current) => ({ ...current, q: search })), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, query.q]);

  const loadMore = useCallback(() => {
    if (page.cursor && !page.loading) void load(query, page.cursor);
  }, [load, page.cursor, page.loading, query]);

  // More rows as the end of the list scrolls into view.
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !page.cursor) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [loadMore, page.cursor]);

  const replace = useCallback((token: TokenView) => {
    setPage((current) => ({
      ...current,
      tokens: current.tokens.map((candidate) => (candidate.id === token.id ? token : candidate)),
    }));
  }, []);

  const chooseColumns = (next: ColumnKey[]) => {
    setColumns(next);
    saveColumns(next);
  };

  const filtered =
    query.q !== '' ||
    query.status !== '' ||
    query.expiration !== '' ||
    query.sort !== 'newest' ||
    search !== '';
  const clearFilters = () => {
    setSearch('');
    setQuery(EMPTY_QUERY);
  };
  const shown = COLUMNS.filter((column) => columns.includes(column.key));

  return (
    <section className="tokens" aria-labelledby="tokens-title">
      <div className="page-header">
        <div>
          <h1 id="tokens-title">Authentication Tokens</h1>
          <p className="muted">Scoped API tokens: create them, see where they are used, revoke them.</p>
        </div>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          <PlusIcon />
          Create Token
        </button>
      </div>

      <div className="toolbar">
        <div className="search">
          <SearchIcon />
          <input
            type="search"
            placeholder="Search tokens"
            aria-label="Search tokens"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <FilterSelect
          id={`${ids}-status`}
          label="Status"
          value={query.status}
          options={STATUS_OPTIONS}
          onChange={(status) => setQuery({ ...query, status })}
        />
        <FilterSelect
          id={`${ids}-expiration`}
          label="Expiration"
          value={query.expiration}
          options={EXPIRATION_OPTIONS}
          onChange={(expiration) => setQuery({ ...query, expiration })}
        />
        <FilterSelect
          id={`${ids}-sort`}
          label="Sort By"
          value={query.sort}
          options={SORT_OPTIONS}
          onChange={(sort) => setQuery({ ...query, sort })}
        />
        <button type="button" className="button" onClick={clearFilters} disabled={!filtered}>
          Clear filters
        </button>
        <ColumnConfig columns={columns} onChange={chooseColumns} />
      </div>

      {page.error && (
        <div className="alert" role="alert">
          Could not load the tokens: {page.error}
        </div>
      )}
      {catalogueError && (
        <div className="alert" role="alert">
          Could not load the scope catalogue: {catalogueError}
        </div>
      )}

      <div className="table-wrap">
        <table className="token-table" aria-labelledby="tokens-title" aria-busy={page.loading}>
          <thead>
            <tr>
              {shown.map((column) => (
                <th key={column.key} scope="col" className={`col-${column.key}`}>
                  {column.label}
                </th>
              ))}
              <th scope="col" className="col-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.tokens.map((token) => (
              <TokenRow
                key={token.id}
                token={token}
                catalogue={catalogue}
                columns={columns}
                warningSeconds={warningSeconds}
                onOpen={() => setDetailsId(token.id)}
                onRevoke={() => setRevoking(token)}
              />
            ))}
          </tbody>
        </table>
        {!page.loading && page.tokens.length === 0 && !page.error && (
          <div className="empty">
            <p>{filtered ? 'No tokens match these filters.' : 'No tokens yet. Create the first one.'}</p>
          </div>
        )}
      </div>

      <div className="list-footer" ref={sentinel}>
        <span className="muted" aria-live="polite">
          {page.loading
            ? 'Loading tokens…'
            : `${page.tokens.length} ${page.tokens.length === 1 ? 'token' : 'tokens'} shown${page.cursor ? ', more below' : ''}`}
        </span>
        {page.cursor && (
          <button type="button" className="button" onClick={loadMore} disabled={page.loading}>
            Load more
          </button>
        )}
      </div>

      {creating && (
        <CreateTokenDialog
          api={api}
          catalogue={catalogue}
          onClose={() => setCreating(false)}
          onCreated={() => void load(query, null)}
        />
      )}
      {detailsId && (
        <TokenDetails
          api={api}
          catalogue={catalogue}
          id={detailsId}
          onOpen={setDetailsId}
          onClose={() => setDetailsId(null)}
          onRevoke={setRevoking}
          onRotate={setRotating}
          warningSeconds={warningSeconds}
          onChanged={replace}
          revision={revision}
        />
      )}
      {rotating && (
        <RotateDialog
          api={api}
          token={rotating}
          onClose={() => setRotating(null)}
          onRotated={() => {
            // The old token now carries rotated_to and a sooner expiry; the new one joins the list.
            setRevision((current) => current + 1);
            void load(query, null);
          }}
        />
      )}
      {revoking && (
        <RevokeDialog
          api={api}
          token={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={(token) => {
            replace(token);
            setRevoking(null);
            setRevision((current) => current + 1);
          }}
        />
      )}
    </section>
  );
}

interface TokenRowProps {
  token: TokenView;
  catalogue: readonly CatalogueScope[] | null;
  columns: readonly ColumnKey[];
  warningSeconds: number;
  onOpen: () => void;
  onRevoke: () => void;
}

function TokenRow({ token, catalogue, columns, warningSeconds, onOpen, onRevoke }: TokenRowProps) {
  const cells: Record<ColumnKey, React.ReactNode> = {
    status: <TokenBadges token={token} warningSeconds={warningSeconds} />,
    name: (
      <button type="button" className="link-button token-name" onClick={onOpen} title={token.description}>
        {token.description}
      </button>
    ),
    id: <code>{token.id}</code>,
    scope: (
      <span className="scope-list">
        {token.scopes.map((grant) => {
          const { unknown } = readScope(catalogue, grant.scope);
          return (
            <span
              key={grant.scope}
              className={unknown ? 'scope-badge unknown' : 'scope-badge'}
              title={unknown ? `${grant.scope}: ${UNKNOWN_SCOPE}, it grants nothing` : grant.scope}
            >
              {scopeLabel(catalogue, grant.scope, grant.resources)}
            </span>
          );
        })}
      </span>
    ),
    created: (
      <time dateTime={token.created_at} title={formatDateTime(token.created_at)}>
        {formatDate(token.created_at)}
      </time>
    ),
    expires: token.expires_at ? (
      <time dateTime={token.expires_at} title={formatDateTime(token.expires_at)}>
        {formatDate(token.expires_at)}
      </time>
    ) : (
      <span className="muted">Never expires</span>
    ),
    user: token.user_email ?? <span className="muted">—</span>,
  };
  return (
    <tr
      className={`row-${token.status}`}
      onClick={(event) => {
        if (!(event.target as HTMLElement).closest('button, a, input')) onOpen();
      }}
    >
      {COLUMNS.filter((column) => columns.includes(column.key)).map((column) => (
        <td key={column.key} className={`col-${column.key}`} data-label={column.label}>
          {cells[column.key]}
        </td>
      ))}
      <td className="col-actions">
        <button
          type="button"
          className="icon-button danger"
          aria-label="Revoke"
          title={token.status === 'revoked' ? 'Already revoked' : 'Revoke'}
          disabled={token.status === 'revoked'}
          onClick={onRevoke}
        >
          <TrashIcon />
        </button>
      </td>
    </tr>
  );
}
