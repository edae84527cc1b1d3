// The environment the Lambda handlers read at import time. A test file that loads handlers sets these
// for its own tables; this puts them back afterwards, so files cannot leak configuration into each other.
import { FileKeyRingSource } from '#adapters/file-keyring';
import { ENV } from '#spec/env';
import { testEndpoint } from './dynamo';
import { SHARED_USAGE_TABLE } from './dynamo-setup';

const HANDLER_ENV_KEYS = [
  ENV.tokensTable,
  ENV.auditTable,
  ENV.searchTable,
  ENV.usageTable,
  ENV.keyFile,
  ENV.keySecretId,
  ENV.dynamoEndpoint,
  ENV.authorizerCacheTtl,
  ENV.eventsFile,
  ENV.expiryWarningSeconds,
  ENV.rotatedSecretArn,
  ENV.rotatedDescription,
  ENV.rotatedScopes,
  ENV.rotatedGraceSeconds,
  ENV.catalogueFile,
  ENV.oidcIssuer,
  ENV.oidcClientId,
  ENV.oidcGroupsClaim,
  ENV.oidcAdminGroup,
  'POWERTOOLS_LOG_LEVEL',
] as const;

/** Remembers the handlers' environment as it is now; call the result to restore it. */
export function saveHandlerEnv(): () => void {
  const saved = Object.fromEntries(HANDLER_ENV_KEYS.map((key) => [key, process.env[key]]));
  return () => {
    for (const key of HANDLER_ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  };
}

export interface LocalHandlerEnv {
  keyFile: string;
  tokensTable?: string;
  auditTable?: string;
  /** The search postings table (SEARCH_TABLE); unset, the handlers search the list partition. */
  searchTable?: string;
  /**
   * The usage counters table (USAGE_TABLE): the usage recorder and the API's usage reads; by default
   * one all the test files share, made at the run's start.
   */
  usageTable?: string;
  /** Where the expiry-warning scan puts its events (the local stack's events file). */
  eventsFile?: string;
  /** Powertools' level; SILENT unless a test reads the logs. */
  logLevel?: string;
}

/** What a RotatedToken's rotation function is declared to rotate and mint (cdk/rotated-token.ts sets it). */
export interface RotatedTokenEnv {
  secretArn: string;
  description: string;
  scopes: readonly { scope: string; resources?: string[] }[];
  graceSeconds: number;
}

/** Declares, for a rotation function imported next, the one secret it rotates and what it mints. */
export function declareRotatedTokenEnv({ secretArn, description, scopes, graceSeconds }: RotatedTokenEnv) {
  Object.assign(process.env, {
    [ENV.rotatedSecretArn]: secretArn,
    [ENV.rotatedDescription]: description,
    [ENV.rotatedScopes]: JSON.stringify(scopes),
    [ENV.rotatedGraceSeconds]: String(graceSeconds),
  });
}

/**
 * Points the handlers at this run's DynamoDB Local and a key file (created if missing), as the local
 * stack does; no Secrets Manager. Set before importing a handler: they read it at import.
 */
export function useLocalHandlerEnv({
  keyFile,
  tokensTable,
  auditTable,
  searchTable,
  usageTable,
  eventsFile,
  logLevel = 'SILENT',
}: LocalHandlerEnv) {
  FileKeyRingSource.ensure(keyFile);
  Object.assign(process.env, {
    ...(tokensTable && { [ENV.tokensTable]: tokensTable }),
    ...(auditTable && { [ENV.auditTable]: auditTable }),
    ...(searchTable && { [ENV.searchTable]: searchTable }),
    [ENV.usageTable]: usageTable ?? SHARED_USAGE_TABLE,
    ...(eventsFile && { [ENV.eventsFile]: eventsFile }),
    [ENV.keyFile]: keyFile,
    [ENV.dynamoEndpoint]: testEndpoint(),
    POWERTOOLS_LOG_LEVEL: logLevel,
  });
  delete process.env[ENV.keySecretId];
}
