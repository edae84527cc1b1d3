// The deployment's scope catalogue, read from the file the environment names and checked once at
// module load (unset: the default catalogue); for the functions that validate, list or document
// scopes, which declare `needs.scopes` so that the construct gives them that file.
import { readCatalogue } from '#adapters/config';
import { scopeEntries } from '#spec/scopes';

export const scopes = scopeEntries(readCatalogue());
