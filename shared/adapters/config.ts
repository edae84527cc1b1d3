// Configuration, read once from the environment that the CDK stack (or the local stack) sets.
// A missing variable fails at start, loudly, not at the first request.
import { readFileSync } from 'node:fs';
import { checkCatalogue } from '#domain/catalogue';
import {
  COGNITO_GROUPS_CLAIM,
  DEFAULT_ADMIN_GROUP,
  isCognitoIssuer,
  type PeopleConfig,
} from '#domain/people';
import {
  DEFAULT_AUDIT_RETENTION_DAYS,
  DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
  DEFAULT_EXPIRY_WARNING_DAYS,
  DEFAULT_RETENTION_DAYS,
} from '#spec/defaults';
import { ENV } from '#spec/env';
import { type Catalogue, DEFAULT_CATALOGUE } from '#spec/scopes';

export class ConfigError extends Error {}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`Environment variable ${name} must be set`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

export interface Config {
  tokensTable: string;
  /**
   * The search postings table: set for every function that writes tokens or lists them (cdk/grants.ts,
   * the local stack). Unset, the store posts nothing and a search reads the list partition.
   */
  searchTable?: string | undefined;
  /** Secrets Manager secret holding the HMAC key ring (AWS). */
  keySecretId: string | undefined;
  /** File holding the HMAC key ring (local stack). */
  keyFile: string | undefined;
  /** Local DynamoDB endpoint; unset in AWS. */
  dynamoEndpoint: string | undefined;
  retentionDays: number;
  /** How long the key ring is kept in memory before Secrets Manager is asked again. */
  keyCacheSeconds: number;
  /**
   * How long an authorizer answer may be reused (API Gateway's cache for REST APIs, the authorizer's
   * own memo of verified callers for HTTP APIs): the authorizer keeps it from outliving a token.
   */
  authorizerCacheTtlSeconds: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keySecretId = env[ENV.keySecretId] || undefined;
  const keyFile = env[ENV.keyFile] || undefined;
  if (!keySecretId && !keyFile) {
    throw new ConfigError(`Set ${ENV.keySecretId} (Secrets Manager) or ${ENV.keyFile} (local)`);
  }
  return {
    tokensTable: required(env, ENV.tokensTable),
    searchTable: env[ENV.searchTable] || undefined,
    keySecretId,
    keyFile,
    dynamoEndpoint: env[ENV.dynamoEndpoint] || undefined,
    retentionDays: positiveInteger(env, ENV.retentionDays, DEFAULT_RETENTION_DAYS),
    keyCacheSeconds: positiveInteger(env, ENV.keyCacheSeconds, 300),
    authorizerCacheTtlSeconds: positiveInteger(
      env,
      ENV.authorizerCacheTtl,
      DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
    ),
  };
}

/**
 * Who signs people in: unset issuer, nobody (people sign-in off). The issuer must be HTTPS, or plain
 * HTTP on the loopback (the local stack's development issuer); the client id is then required.
 */
export function readPeopleConfig(env: NodeJS.ProcessEnv = process.env): PeopleConfig | undefined {
  const issuer = env[ENV.oidcIssuer];
  if (!issuer) return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`${ENV.oidcIssuer} must be a URL, got "${issuer}"`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(
      `${ENV.oidcIssuer} must be an https:// URL (http:// only on 127.0.0.1), got "${issuer}"`,
    );
  }
  return {
    issuer,
    clientId: required(env, ENV.oidcClientId),
    groupsClaim: env[ENV.oidcGroupsClaim] || (isCognitoIssuer(issuer) ? COGNITO_GROUPS_CLAIM : 'groups'),
    adminGroup: env[ENV.oidcAdminGroup] || DEFAULT_ADMIN_GROUP,
  };
}

/** What a RotatedToken's rotation function may mint, as the construct declared it (cdk/rotated-token.ts). */
export interface RotatedTokenConfig {
  secretArn: string;
  description: string;
  /** Still to be validated as `POST /v1/tokens` validates its scopes. */
  scopes: unknown;
  graceSeconds: number;
}

export function readRotatedTokenConfig(env: NodeJS.ProcessEnv = process.env): RotatedTokenConfig {
  const rawScopes = required(env, ENV.rotatedScopes);
  let scopes: unknown;
  try {
    scopes = JSON.parse(rawScopes);
  } catch {
    throw new ConfigError(`${ENV.rotatedScopes} must be JSON`);
  }
  const grace = required(env, ENV.rotatedGraceSeconds);
  if (!/^\d+$/.test(grace))
    throw new ConfigError(`${ENV.rotatedGraceSeconds} must be whole seconds, got "${grace}"`);
  return {
    secretArn: required(env, ENV.rotatedSecretArn),
    description: required(env, ENV.rotatedDescription),
    scopes,
    graceSeconds: Number(grace),
  };
}

/**
 * The deployment's scope catalogue: the JSON file `TOKENGATE_SCOPES_FILE` names (in AWS the
 * construct's catalogue layer, locally `SCOPES_FILE`), read and checked once at start; the default
 * catalogue when it is unset. A file that cannot be read, is not JSON or holds a catalogue that cannot
 * work stops the function with one line.
 */
export function readCatalogue(env: NodeJS.ProcessEnv = process.env): Catalogue {
  const file = env[ENV.catalogueFile];
  if (file === undefined || file === '') return DEFAULT_CATALOGUE;
  return readCatalogueFile(file, ENV.catalogueFile);
}

/**
 * The catalogue in the JSON file `file`, which the variable `variable` named: each reason it cannot be
 * used is one line that starts with both (`SCOPES_FILE my-scopes.json: not JSON`).
 */
export function readCatalogueFile(file: string, variable: string): Catalogue {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variable} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new ConfigError(`${variable} ${file}: not JSON`);
  }
  try {
    return checkCatalogue(input);
  } catch (error) {
    throw new ConfigError(`${variable} ${file}: ${(error as Error).message}`);
  }
}

/** How to reach DynamoDB Local at `endpoint` (any credentials do: it runs with -sharedDb). */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** What the audit functions (stream consumer, audit listing) read; they need no token table or key. */
export interface AuditConfig {
  auditTable: string;
  /** The search postings table, which the stream consumer repairs; unset, it leaves it alone. */
  searchTable?: string | undefined;
  /** Local DynamoDB endpoint; unset in AWS. */
  dynamoEndpoint: string | undefined;
  /** Days an audit event is kept before DynamoDB's TTL removes it. */
  retentionDays: number;
}

export function readAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  return {
    auditTable: required(env, ENV.auditTable),
    searchTable: env[ENV.searchTable] || undefined,
    dynamoEndpoint: env[ENV.dynamoEndpoint] || undefined,
    retentionDays: positiveInteger(env, ENV.auditRetentionDays, DEFAULT_AUDIT_RETENTION_DAYS),
  };
}

/** What the expiry-warning scan reads besides `readConfig()`'s tokens table. */
export interface ExpiryConfig {
  /** How long before a token's expiry it is warned of. */
  windowSeconds: number;
  /** Locally, the file events go to in place of EventBridge (the local stack has none); unset in AWS. */
  eventsFile: string | undefined;
}

export function readExpiryConfig(env: NodeJS.ProcessEnv = process.env): ExpiryConfig {
  return {
    windowSeconds: positiveInteger(env, ENV.expiryWarningSeconds, DEFAULT_EXPIRY_WARNING_DAYS * 86_400),
    eventsFile: env[ENV.eventsFile] || undefined,
  };
}

/** What the usage functions read: the usage counters table (the usage recorder, the API's usage reads). */
export interface UsageConfig {
  usageTable: string;
  /** Local DynamoDB endpoint; unset in AWS. */
  dynamoEndpoint: string | undefined;
}

export function readUsageConfig(env: NodeJS.ProcessEnv = process.env): UsageConfig {
  return {
    usageTable: required(env, ENV.usageTable),
    dynamoEndpoint: env[ENV.dynamoEndpoint] || undefined,
  };
}
