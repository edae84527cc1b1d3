// A deployment's scope catalogue from a JSON file in the shape of the construct's `scopes` prop:
// `SCOPES_FILE=my-scopes.json npm start` (the local stack) and `npx cdk synth` (the CDK app) read it,
// checked before anything starts.
import { readFileSync } from 'node:fs';
import { catalogueProblems } from '#domain/catalogue';
import { ENV } from '#spec/env';
import type { Catalogue } from '#spec/scopes';

export interface ScopesFile {
  catalogue: Catalogue;
  /** The catalogue as the functions read it from `TOKENGATE_SCOPES`. */
  json: string;
}

/** The catalogue `SCOPES_FILE` names, none when it is unset; throws one line when it cannot be used. */
export function readScopesFile(env: NodeJS.ProcessEnv): ScopesFile | undefined {
  const file = env[ENV.scopesFile];
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `${ENV.scopesFile} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new Error(`${ENV.scopesFile} ${file}: not JSON`);
  }
  const problems = catalogueProblems(input);
  if (problems.length > 0)
    throw new Error(`${ENV.scopesFile} ${file}: Invalid scope catalogue: ${problems.join('; ')}`);
  return { catalogue: input as Catalogue, json: JSON.stringify(input) };
}
