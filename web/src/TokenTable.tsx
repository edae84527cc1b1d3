// The token table: the chosen columns' headers, a row per token, and what to say when there is none.
import type { CatalogueScope, TokenView } from './api';
import { COLUMNS, type ColumnKey } from './columns';
import { TokenRow } from './TokenRow';

interface TokenTableProps {
  /** The id of the heading that names the table. */
  labelledBy: string;
  tokens: readonly TokenView[];
  loading: boolean;
  /** Whether a load failed (its alert says so; the table then says nothing of being empty). */
  failed: boolean;
  /** Whether filters are on, for what an empty table says. */
  filtered: boolean;
  catalogue: readonly CatalogueScope[] | null;
  columns: readonly ColumnKey[];
  warningSeconds: number;
  onOpen: (token: TokenView) => void;
  onRevoke: (token: TokenView) => void;
}

export function TokenTable({
  labelledBy,
  tokens,
  loading,
  failed,
  filtered,
  catalogue,
  columns,
  warningSeconds,
  onOpen,
  onRevoke,
}: TokenTableProps) {
  const shown = COLUMNS.filter((column) => columns.includes(column.key));
  return (
    <div className="table-wrap">
      <table className="token-table" aria-labelledby={labelledBy} aria-busy={loading}>
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
          {tokens.map((token) => (
            <TokenRow
              key={token.id}
              token={token}
              catalogue={catalogue}
              columns={columns}
              warningSeconds={warningSeconds}
              onOpen={() => onOpen(token)}
              onRevoke={() => onRevoke(token)}
            />
          ))}
        </tbody>
      </table>
      {!loading && tokens.length === 0 && !failed && (
        <div className="empty">
          <p>{filtered ? 'No tokens match these filters.' : 'No tokens yet. Create the first one.'}</p>
        </div>
      )}
    </div>
  );
}
