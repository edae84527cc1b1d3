// Configuration, read once from the environment that the CDK stack (or the local stack) sets.
// A missing variable fails at start, loudly, not at the first request.
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '#spec/routes';

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

/**
 * Set by the CDK construct from `authorizerCacheTtl`, and read by the local stack for its own cache,
 * so the authorizer and the cache in front of it agree.
 */
export const AUTHORIZER_CACHE_TTL_ENV = 'TOKENGATE_AUTHORIZER_CACHE_TTL';

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keySecretId = env.TOKENGATE_KEY_SECRET_ID || undefined;
  const keyFile = env.TOKENGATE_KEY_FILE || undefined;
  if (!keySecretId && !keyFile) {
    throw new ConfigError('Set TOKENGATE_KEY_SECRET_ID (Secrets Manager) or TOKENGATE_KEY_FILE (local)');
  }
  return {
    tokensTable: required(env, 'TOKENGATE_TOKENS_TABLE'),
    keySecretId,
    keyFile,
    dynamoEndpoint: env.TOKENGATE_DYNAMODB_ENDPOINT || undefined,
    retentionDays: positiveInteger(env, 'TOKENGATE_RETENTION_DAYS', 30),
    keyCacheSeconds: positiveInteger(env, 'TOKENGATE_KEY_CACHE_SECONDS', 300),
    authorizerCacheTtlSeconds: positiveInteger(
      env,
      AUTHORIZER_CACHE_TTL_ENV,
      DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
    ),
  };
}

/** How to reach DynamoDB Local at `endpoint` (any credentials do: it runs with -sharedDb). */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 400;

/** What the audit functions (stream consumer, audit listing) read; they need no token table or key. */
export interface AuditConfig {
  auditTable: string;
  /** Local DynamoDB endpoint; unset in AWS. */
  dynamoEndpoint: string | undefined;
  /** Days an audit event is kept before DynamoDB's TTL removes it. */
  retentionDays: number;
}

export function readAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  return {
    auditTable: required(env, 'TOKENGATE_AUDIT_TABLE'),
    dynamoEndpoint: env.TOKENGATE_DYNAMODB_ENDPOINT || undefined,
    retentionDays: positiveInteger(env, 'TOKENGATE_AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS),
  };
}
