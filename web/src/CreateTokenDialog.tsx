// The Create Token dialog: the form once the deployment's scope catalogue is read, then the new
// token, shown once with Copy and Done.
import { useState } from 'react';
import type { Api, CatalogueScope, CreatedToken } from './api';
import { CreateTokenForm } from './CreateTokenForm';
import { Dialog } from './Dialog';
import { ShowOnce } from './ShowOnce';
import { resourceTypes } from './scopes';

interface CreateTokenDialogProps {
  api: Api;
  /** The deployment's scope catalogue, null while it loads. */
  catalogue: readonly CatalogueScope[] | null;
  onClose: () => void;
  onCreated: (token: CreatedToken) => void;
}

export function CreateTokenDialog({ api, catalogue, onClose, onCreated }: CreateTokenDialogProps) {
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
      ) : (
        <p className="muted">Loading the scopes…</p>
      )}
    </Dialog>
  );
}
