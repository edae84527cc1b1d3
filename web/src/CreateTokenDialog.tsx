// The Create Token dialog: the form once the deployment's scope catalogue is read (or why it could
// not be), then the new token, shown once with Copy and Done.
import { useState } from 'react';
import type { Api, CatalogueScope, CreatedToken } from './api';
import { CreateTokenForm } from './CreateTokenForm';
import { Dialog } from './Dialog';
import { ShowOnce } from './ShowOnce';
import { resourceTypes } from './scopes';

interface CreateTokenDialogProps {
  api: Api;
  /** The deployment's scope catalogue, null while it loads or when it could not be read. */
  catalogue: readonly CatalogueScope[] | null;
  /** Why the catalogue could not be read, null otherwise. */
  catalogueError: string | null;
  onClose: () => void;
  onCreated: (token: CreatedToken) => void;
}

export function CreateTokenDialog({
  api,
  catalogue,
  catalogueError,
  onClose,
  onCreated,
}: CreateTokenDialogProps) {
  const [created, setCreated] = useState<CreatedToken | null>(null);
  return (
    <Dialog title={created ? 'Token created' : 'Create Token'} onClose={onClose}>
      {created ? (
        <ShowOnce created={created} onDone={onClose} />
      ) : catalogue ? (
        <CreateTokenForm
          api={api}
          types={resourceTypes(catalogue)}
          onCancel={onClose}
          onCreated={(token) => {
            setCreated(token);
            onCreated(token);
          }}
        />
      ) : catalogueError ? (
        <>
          <div className="alert" role="alert">
            Could not load the scope catalogue: {catalogueError}
          </div>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <p className="muted">Loading the scopes…</p>
      )}
    </Dialog>
  );
}
