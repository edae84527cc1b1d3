// One row of the token table: the chosen columns' cells, the name opening the details, and Revoke.
import type { ReactNode } from 'react';
import type { CatalogueScope, TokenView } from './api';
import { COLUMNS, type ColumnKey } from './columns';
import { formatDate, formatDateTime } from './format';
import { TrashIcon } from './icons';
import { TokenBadges } from './StatusBadge';
import { readScope, scopeLabel, UNKNOWN_SCOPE } from './scopes';

interface TokenRowProps {
  token: TokenView;
  catalogue: readonly CatalogueScope[] | null;
  columns: readonly ColumnKey[];
  warningSeconds: number;
  onOpen: () => void;
  onRevoke: () => void;
}

function DateCell({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatDate(at)}
    </time>
  );
}

function ScopeBadges({ token, catalogue }: Pick<TokenRowProps, 'token' | 'catalogue'>) {
  return (
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
  );
}

export function TokenRow({ token, catalogue, columns, warningSeconds, onOpen, onRevoke }: TokenRowProps) {
  const cells: Record<ColumnKey, ReactNode> = {
    status: <TokenBadges token={token} warningSeconds={warningSeconds} />,
    name: (
      <button type="button" className="link-button token-name" onClick={onOpen} title={token.description}>
        {token.description}
      </button>
    ),
    id: <code>{token.id}</code>,
    scope: <ScopeBadges token={token} catalogue={catalogue} />,
    created: <DateCell at={token.created_at} />,
    expires: token.expires_at ? (
      <DateCell at={token.expires_at} />
    ) : (
      <span className="muted">Never expires</span>
    ),
    lastUsed: token.last_used_at ? (
      <DateCell at={token.last_used_at} />
    ) : (
      <span className="muted">Never</span>
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
