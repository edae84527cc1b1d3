// A deployment's scope catalogue from a JSON file in the shape of the construct's `scopes` prop:
// `SCOPES_FILE=my-scopes.json npm start` (the local stack) and `npx cdk synth` (the CDK app) read it,
// checked before anything starts.
import { resolve } from 'node:path';
import { ENV } from '#spec/env';
import type { Catalogue } from '#spec/scopes';
import { readCatalogueFile } from './config';

export interface ScopesFile {
  catalogue: Catalogue;
  /** The file's absolute path, which the functions read the catalogue from (`TOKENGATE_SCOPES_FILE`). */
  file: string;
}

/** The catalogue `SCOPES_FILE` names, none when it is unset; throws one line when it cannot be used. */
export function readScopesFile(env: NodeJS.ProcessEnv): ScopesFile | undefined {
  const file = env[ENV.scopesFile];
  if (file === undefined || file === '') return undefined;
  return { catalogue: readCatalogueFile(file, ENV.scopesFile), file: resolve(file) };
}
