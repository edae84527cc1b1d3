// The token list: search as you type, filters, sort, more rows over the API's cursor as you scroll,
// Column Config, row details, revoke, rotate, and Create Token.
import { useState } from 'react';
import type { Api, TokenView } from './api';
import { CreateTokenDialog } from './CreateTokenDialog';
import type { ColumnKey } from './columns';
import { PlusIcon } from './icons';
import { ListFooter } from './ListFooter';
import { RevokeDialog } from './RevokeDialog';
import { RotateDialog } from './RotateDialog';
import { loadColumns, saveColumns } from './session';
import { TokenDetails } from './TokenDetails';
import { TokenTable } from './TokenTable';
import { Toolbar } from './Toolbar';
import { useApiFailure } from './useApiFailure';
import { useCatalogue } from './useCatalogue';
import { useListQuery } from './useListQuery';
import { useTokenPages } from './useTokenPages';

interface TokenListProps {
  api: Api;
  /** The expiry-warning window, for the `Expiring soon` badge. */
  warningSeconds: number;
  /** The API refused the session (401, 403): the console signs out, saying why. */
  onSignedOut: () => void;
}

export function TokenList({ api, warningSeconds, onSignedOut }: TokenListProps) {
  const failed = useApiFailure(onSignedOut);
  const { search, setSearch, query, setQuery, filtered, clear } = useListQuery();
  const { pages, loadMore, reload, replace } = useTokenPages(api, query, failed);
  const { catalogue, error: catalogueError } = useCatalogue(api, failed);
  const [columns, setColumns] = useState<ColumnKey[]>(loadColumns);
  const [creating, setCreating] = useState(false);
  const [detailsId, setDetailsId] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const [rotating, setRotating] = useState<TokenView | null>(null);
  /** Changes when a token changed outside its open details (revoked, rotated): they read it again. */
  const [revision, setRevision] = useState(0);
  const changed = () => setRevision((current) => current + 1);

  const chooseColumns = (next: ColumnKey[]) => {
    setColumns(next);
    saveColumns(next);
  };

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

      <Toolbar
        search={search}
        onSearch={setSearch}
        query={query}
        onQuery={setQuery}
        filtered={filtered}
        onClear={clear}
        columns={columns}
        onColumns={chooseColumns}
      />

      {pages.error && (
        <div className="alert" role="alert">
          Could not load the tokens: {pages.error}
        </div>
      )}
      {catalogueError && (
        <div className="alert" role="alert">
          Could not load the scope catalogue: {catalogueError}
        </div>
      )}

      <TokenTable
        labelledBy="tokens-title"
        tokens={pages.tokens}
        loading={pages.loading}
        failed={pages.error !== null}
        filtered={filtered}
        catalogue={catalogue}
        columns={columns}
        warningSeconds={warningSeconds}
        onOpen={(token) => setDetailsId(token.id)}
        onRevoke={setRevoking}
      />
      <ListFooter pages={pages} onMore={loadMore} />

      {creating && (
        <CreateTokenDialog
          api={api}
          catalogue={catalogue}
          catalogueError={catalogueError}
          onClose={() => setCreating(false)}
          onCreated={reload}
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
            changed();
            reload();
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
            changed();
          }}
        />
      )}
    </section>
  );
}
