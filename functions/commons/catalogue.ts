// The deployment's scope catalogue, read from the environment and checked once at module load
// (unset: the default catalogue); for the functions that validate, list or document scopes.
import { readCatalogue } from '#adapters/config';
import { scopeEntries } from '#spec/scopes';

export const scopes = scopeEntries(readCatalogue());
