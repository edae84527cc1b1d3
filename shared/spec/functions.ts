// The function manifests: every Lambda function of the deployment, its entry, its timeout and exactly
// what it may touch (its IAM needs). The CDK stack deploys and grants from them (cdk/grants.ts), the
// local stack runs them; the routes (routes.ts) name the function serving each.
// A stream consumer's feed (batch size, retries) lives here, in its manifest: the event source mapping
// and the local stream poller both read it from the function they feed.
import {
  TOKEN_ATTRIBUTES as ITEM,
  TOKEN_INDEXES,
  type TokenAttribute,
  USAGE_ATTRIBUTES,
  type UsageAttribute,
} from './tables';

/**
 * The shape of the error bodies a function answers with: `connect`, the Connect API's
 * `{"code", "error", "payload"}`, or `native`, the token API's `{"error": {"code", "message"}}`.
 */
export type ErrorBodyShape = 'connect' | 'native';

export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

/** What a function may touch: its IAM grants are exactly these, in AWS and in the CDK tests. */
export interface FunctionNeeds {
  /** DynamoDB actions on the tokens table (and its indexes, for Query). */
  readonly tokens: readonly TableAction[];
  /**
   * With `UpdateItem` on the tokens table, required: the item attributes its updates set, remove or
   * test in a condition. Its UpdateItem grant names these and the table's key, and nothing else; and
   * returns no attributes beyond them (no `ALL_OLD` or `ALL_NEW`).
   */
  readonly updates?: readonly TokenAttribute[];
  /** Reads the HMAC key ring from Secrets Manager. */
  readonly hmacKey: boolean;
  /** DynamoDB actions on the audit table (and its indexes, for Query). @default none */
  readonly audit?: readonly TableAction[];
  /**
   * DynamoDB actions on the search postings table (`SEARCH_TABLE`): `BatchWriteItem` for the functions
   * that write tokens (they post them), `Query` for the listing. @default none
   */
  readonly search?: readonly TableAction[];
  /**
   * DynamoDB actions on the usage counters table (`USAGE_TABLE`): `Query` for the API's usage reads;
   * `PutItem` and `UpdateItem` for the usage recorder, which puts batch markers and adds to counters.
   * @default none
   */
  usage?: readonly TableAction[];
  /** With `UpdateItem` on the usage table, required: the attributes its updates set. */
  usageUpdates?: readonly UsageAttribute[];
  /**
   * Consumes the tokens table's stream: reads it, and sends what it cannot process to the on-failure
   * queue (granted by the event source mapping). @default false
   */
  readonly tokensStream?: boolean;
  /**
   * A Secrets Manager rotation function: it may describe, read, write and restage the one secret it
   * rotates, granted where its rotation is attached (cdk/rotation.ts). @default false
   */
  readonly rotatesSecrets?: boolean;
  /** Only these indexes of the tokens table for its Query (by name). @default every index */
  readonly tokenIndexes?: readonly string[];
  /** Puts events on the account's default EventBridge bus. @default false */
  readonly defaultEventBus?: boolean;
  /**
   * Knows the authorizer cache TTL (`TOKENGATE_AUTHORIZER_CACHE_TTL`): the authorizer, which keeps
   * cached answers from outliving a token, and the functions whose grace or expiry checks depend on
   * it (a token stops being allowed the TTL plus a second before its expiry). @default false
   */
  readonly authorizerCacheTtl?: boolean;
  /**
   * Reads the deployment's scope catalogue at start (`functions/commons/catalogue.ts`, the authorizer's
   * runtime): given a team's own catalogue, the construct passes it to these functions, and no other.
   * @default false
   */
  readonly scopes?: boolean;
}

/** How a stream consumer is fed: the event source mapping in AWS, the stream poller locally. */
export interface StreamFeed {
  /** Records per batch, at most. */
  readonly batchSize: number;
  /** Retries of a failing record before it goes to the failure queue (AWS) or is skipped (locally). */
  readonly retryAttempts: number;
}

/** A function's manifest: what the CDK stack deploys and the local stack runs, read by both. */
export interface FunctionDef {
  /** Stable name: the CDK construct id and the local gateway's handler key. */
  readonly name: string;
  /** Module path from the repository root; it exports `handler`. */
  readonly entry: string;
  readonly needs: FunctionNeeds;
  /** How long one invocation may run. */
  readonly timeoutSeconds: number;
}

/** A function behind HTTP routes: it answers errors in one shape, its part of the API's. */
export interface HttpFunctionDef extends FunctionDef {
  /** The shape of its error bodies. */
  readonly face: ErrorBodyShape;
}

/**
 * Whether the function checks its caller's token itself instead of API Gateway's authorizer: the
 * functions with Connect's error shape. API Gateway answers an authorizer's refusal itself, with one
 * gateway response per API and status, a template without conditions, so it cannot answer the
 * Connect routes' 401 and 403 in Connect's shape while the rest of the API keeps the native one.
 * Their routes therefore carry no API Gateway authorizer (in AWS and in the local gateway) and their
 * functions ask the authorizer's own decision in process (`functions/commons/token-check.ts`): the
 * same header checks, the same single strongly consistent read, the same scopes, the same caller
 * passed on, and a refusal in the function's error shape. Such a function needs what the authorizer
 * needs (`withTokenCheck`).
 */
export function checksOwnToken(fn: Pick<HttpFunctionDef, 'face'>): boolean {
  return fn.face === 'connect';
}

export const AUTHORIZER: FunctionDef = {
  name: 'Authorizer',
  entry: 'functions/authorizer/handler.ts',
  needs: {
    tokens: ['GetItem', 'UpdateItem'],
    updates: [ITEM.last_used_at],
    hmacKey: true,
    authorizerCacheTtl: true,
    scopes: true,
  },
  // Its AWS calls give up a second before this (`AUTHORIZER_CALL_DEADLINE_MS` below).
  timeoutSeconds: 5,
};

/** The authorizer function's timeout, from its manifest (both stacks give the function this one). */
export const AUTHORIZER_TIMEOUT_MS = AUTHORIZER.timeoutSeconds * 1_000;

/**
 * How long one of the authorizer's AWS calls may take in all, every attempt and the backoff between
 * them: a second short of its timeout, so that a DynamoDB or Secrets Manager that does not answer ends
 * in a clear error (and a refusal) rather than in Lambda killing the function. The authorizer's reads
 * of the token and of the key ring run side by side, so its check is bound by this too. Its clients
 * (shared/aws/json-client.ts) are given it where they are made.
 */
export const AUTHORIZER_CALL_DEADLINE_MS = AUTHORIZER_TIMEOUT_MS - 1_000;

/** Whether a function reads or writes any DynamoDB table: the database throttling it is then its 503. */
export function usesTables(needs: FunctionNeeds): boolean {
  return [needs.tokens, needs.audit, needs.search, needs.usage].some((actions) => (actions ?? []).length > 0);
}

/** `needs` plus what the authorizer's decision needs, for a function that makes it itself (`checksOwnToken`). */
function withTokenCheck(needs: FunctionNeeds): FunctionNeeds {
  const union = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined) => [
    ...new Set([...(a ?? []), ...(b ?? [])]),
  ];
  const checking = AUTHORIZER.needs;
  return {
    ...needs,
    tokens: union(needs.tokens, checking.tokens),
    updates: union(needs.updates, checking.updates),
    hmacKey: true,
    authorizerCacheTtl: true,
    scopes: true,
  };
}

/** What revoking a token updates (shared/adapters/dynamo-token-store.ts `revoke`, and `remove`'s stamp). */
const REVOKE_UPDATES = [
  ITEM.revoked_at,
  ITEM.revoked_by,
  ITEM.ttl,
  ITEM.created_sk,
  ITEM.name_sk,
  ITEM.stamp,
] as const;

/**
 * What a rotation updates (shared/adapters/dynamo-token-store.ts `rotate`): the old token's expiry, TTL,
 * link and stamp, on conditions that read its revocation, expiry and link.
 */
const ROTATE_UPDATES = [ITEM.expires_at, ITEM.ttl, ITEM.rotated_to, ITEM.stamp, ITEM.revoked_at] as const;

/**
 * What a rotation that recovers writes besides: the revocation of the orphaned successor of a crashed
 * rotation it replaces (`replacing`), or of a token minted by self-rotation and its descendants. Only
 * the Secrets Manager rotation does either.
 */
const RECOVERING_ROTATE_UPDATES = [...REVOKE_UPDATES, ...ROTATE_UPDATES, ITEM.rotated_from] as const;

/** What a function that writes tokens does to the search postings: puts and deletes, in batches. */
const POSTS = ['BatchWriteItem'] as const;

/** A function fed by a stream rather than by HTTP routes. */
export interface StreamFunctionDef extends FunctionDef {
  readonly stream: StreamFeed;
}

/** Turns the tokens table's stream into audit events. Not on a route: its event source is the stream. */
export const AUDIT_CONSUMER: StreamFunctionDef = {
  name: 'AuditConsumer',
  entry: 'functions/audit/consumer.ts',
  // It posts created tokens and unposts deleted ones again, in case their writer stopped in between.
  needs: { tokens: [], hmacKey: false, audit: ['PutItem'], tokensStream: true, search: POSTS },
  // A batch of up to 100 records, written in parallel.
  timeoutSeconds: 30,
  stream: { batchSize: 100, retryAttempts: 10 },
};

/**
 * Secrets Manager's rotation function for a RotatedToken's secret `{"token_id", "token"}`, one per
 * RotatedToken, which declares in its environment the one secret it rotates and what it mints:
 * rotates the token (or makes the first one) and tests it with the verifier.
 */
export const TOKEN_SECRET_ROTATION: FunctionDef = {
  name: 'TokenSecretRotation',
  entry: 'functions/rotation/token-secret.ts',
  needs: {
    tokens: ['GetItem', 'PutItem', 'UpdateItem'],
    updates: RECOVERING_ROTATE_UPDATES,
    search: POSTS,
    hmacKey: true,
    rotatesSecrets: true,
    authorizerCacheTtl: true,
    scopes: true,
  },
  timeoutSeconds: 30,
};

/** Secrets Manager's rotation function for the HMAC key secret: adds a key and makes it current. */
export const KEY_SECRET_ROTATION: FunctionDef = {
  name: 'KeySecretRotation',
  entry: 'functions/rotation/key-secret.ts',
  needs: { tokens: [], hmacKey: false, rotatesSecrets: true },
  timeoutSeconds: 30,
};

/**
 * Counts per-token usage from access logs: fed by a CloudWatch Logs subscription on the management
 * API's access log group (and on any access log group `recordUsageOf` is given), it adds each batch of
 * access-log events to the per-token, per-day counters, one write per token and day of the batch.
 * Locally the gateway's access-log file feeds it (local/usage-poller.ts).
 */
export const USAGE_RECORDER: FunctionDef = {
  name: 'UsageRecorder',
  entry: 'functions/usage/record.ts',
  needs: {
    tokens: [],
    hmacKey: false,
    usage: ['PutItem', 'UpdateItem'],
    usageUpdates: [USAGE_ATTRIBUTES.requests, USAGE_ATTRIBUTES.denied, USAGE_ATTRIBUTES.ttl],
  },
  // A batch of up to 10,000 events, in transactions of 100 counters.
  timeoutSeconds: 30,
};

/** A function run on a schedule rather than by HTTP routes or a stream. */
export interface ScheduledFunctionDef extends FunctionDef {
  /** Hours between runs (EventBridge Scheduler in AWS; the local stack runs it at start, then at this rate). */
  readonly everyHours: number;
}

/**
 * The expiry-warning scan (shared/domain/expiry-warning.ts): Queries the expiry index, records each
 * warning on its token (the audit trail's `token.expiring`) and puts it on the default event bus.
 */
export const EXPIRY_WARNER: ScheduledFunctionDef = {
  name: 'ExpiryWarner',
  entry: 'functions/expiry/warn.ts',
  needs: {
    tokens: ['Query', 'UpdateItem'],
    tokenIndexes: [TOKEN_INDEXES.byExpiry.name],
    // Set: the two markers and the stamp; tested in conditions: the expiry, revocation and rotation.
    updates: [
      ITEM.expiry_warned_for,
      ITEM.expiry_published_for,
      ITEM.stamp,
      ITEM.expires_at,
      ITEM.revoked_at,
      ITEM.rotated_to,
    ],
    hmacKey: false,
    defaultEventBus: true,
  },
  // Pages of 100 tokens, each a round of conditional writes and PutEvents calls.
  timeoutSeconds: 300,
  everyHours: 24,
};

/** How long an HTTP function may run (API Gateway itself waits at most 29 s). */
const HTTP_TIMEOUT_SECONDS = 10;

const fn = (name: string, entry: string, face: ErrorBodyShape, needs: FunctionNeeds): HttpFunctionDef => ({
  name,
  entry,
  needs: checksOwnToken({ face }) ? withTokenCheck(needs) : needs,
  timeoutSeconds: HTTP_TIMEOUT_SECONDS,
  face,
});

export const FUNCTIONS = {
  createServiceToken: fn('CreateServiceToken', 'functions/service-tokens/create.ts', 'connect', {
    tokens: ['GetItem', 'PutItem'],
    search: POSTS,
    hmacKey: true,
    authorizerCacheTtl: true,
    scopes: true,
  }),
  listServiceTokens: fn('ListServiceTokens', 'functions/service-tokens/list.ts', 'connect', {
    tokens: ['Query'],
    hmacKey: false,
  }),
  listServiceTokenScopes: fn('ListServiceTokenScopes', 'functions/service-tokens/scopes.ts', 'connect', {
    tokens: [],
    hmacKey: false,
    scopes: true,
  }),
  deleteServiceToken: fn('DeleteServiceToken', 'functions/service-tokens/delete.ts', 'connect', {
    tokens: ['GetItem', 'UpdateItem', 'DeleteItem'],
    updates: REVOKE_UPDATES,
    search: POSTS,
    hmacKey: false,
  }),
  createToken: fn('CreateToken', 'functions/tokens/create.ts', 'native', {
    tokens: ['GetItem', 'PutItem'],
    search: POSTS,
    hmacKey: true,
    authorizerCacheTtl: true,
    scopes: true,
  }),
  // A search reads the postings of its query, then the tokens they name.
  // `unused_days` asks the usage counters of each token listed.
  listTokens: fn('ListTokens', 'functions/tokens/list.ts', 'native', {
    tokens: ['Query', 'BatchGetItem'],
    search: ['Query'],
    usage: ['Query'],
    hmacKey: false,
  }),
  tokenUsage: fn('TokenUsage', 'functions/tokens/usage.ts', 'native', {
    tokens: ['GetItem'],
    usage: ['Query'],
    hmacKey: false,
  }),
  getToken: fn('GetToken', 'functions/tokens/get.ts', 'native', { tokens: ['GetItem'], hmacKey: false }),
  updateToken: fn('UpdateToken', 'functions/tokens/update.ts', 'native', {
    tokens: ['GetItem', 'UpdateItem'],
    updates: [ITEM.user_email, ITEM.description, ITEM.name_sk, ITEM.search_text, ITEM.stamp],
    search: POSTS,
    hmacKey: false,
  }),
  revokeToken: fn('RevokeToken', 'functions/tokens/revoke.ts', 'native', {
    tokens: ['GetItem', 'UpdateItem'],
    updates: REVOKE_UPDATES,
    hmacKey: false,
  }),
  rotateToken: fn('RotateToken', 'functions/tokens/rotate.ts', 'native', {
    tokens: ['GetItem', 'PutItem', 'UpdateItem'],
    updates: ROTATE_UPDATES,
    search: POSTS,
    hmacKey: true,
    authorizerCacheTtl: true,
  }),
  rotateSelfToken: fn('RotateSelfToken', 'functions/tokens/rotate-self.ts', 'native', {
    tokens: ['GetItem', 'PutItem', 'UpdateItem'],
    updates: ROTATE_UPDATES,
    search: POSTS,
    hmacKey: true,
    authorizerCacheTtl: true,
  }),
  revokeLeakedTokens: fn('RevokeLeakedTokens', 'functions/tokens/revoke-leaked.ts', 'native', {
    tokens: ['BatchGetItem', 'GetItem', 'UpdateItem'],
    updates: REVOKE_UPDATES,
    hmacKey: true,
  }),
  whoami: fn('WhoAmI', 'functions/tokens/whoami.ts', 'native', { tokens: ['GetItem'], hmacKey: false }),
  listScopes: fn('ListScopes', 'functions/tokens/scopes.ts', 'native', {
    tokens: [],
    hmacKey: false,
    scopes: true,
  }),
  listAuditEvents: fn('ListAuditEvents', 'functions/audit/list.ts', 'native', {
    tokens: [],
    hmacKey: false,
    audit: ['Query'],
  }),
  openApi: fn('OpenApiDocument', 'functions/openapi/document.ts', 'native', {
    tokens: [],
    hmacKey: false,
    scopes: true,
  }),
  echo: fn('ProtectedEcho', 'functions/example/echo.ts', 'native', { tokens: [], hmacKey: false }),
} as const satisfies Record<string, HttpFunctionDef>;

/** Every function the deployment runs, once each. */
export const ALL_FUNCTIONS: readonly FunctionDef[] = [
  AUTHORIZER,
  AUDIT_CONSUMER,
  USAGE_RECORDER,
  TOKEN_SECRET_ROTATION,
  KEY_SECRET_ROTATION,
  EXPIRY_WARNER,
  ...Object.values(FUNCTIONS),
];
