// The deployment's scope catalogue (`GET /v1/scopes`), read once signed in: the Create Token
// dialog's pickers and every scope's label.
import { useEffect, useState } from 'react';
import type { Api, CatalogueScope } from './api';

export interface CatalogueState {
  /** The catalogue, null while it loads or when it could not be read. */
  catalogue: CatalogueScope[] | null;
  /** Why it could not be read, null otherwise. */
  error: string | null;
}

export function useCatalogue(api: Api, failed: (error: unknown) => string): CatalogueState {
  const [state, setState] = useState<CatalogueState>({ catalogue: null, error: null });
  useEffect(() => {
    let live = true;
    api.scopes().then(
      (catalogue) => live && setState({ catalogue, error: null }),
      (error: unknown) => live && setState({ catalogue: null, error: failed(error) }),
    );
    return () => {
      live = false;
    };
  }, [api, failed]);
  return state;
}
