// The environment variables tokengate reads, named once. The functions' configuration
// (shared/adapters/config.ts) is set by the CDK stack (cdk/grants.ts, cdk/token-gate.ts) and by the
// local stack (local/data-dir.ts); the CLI and the local stack read their own. Users set
// `endpoint`, `token`, `dataDir` and `port` themselves (docs/cli.md and docs/local-stack.md name them):
// test/unit/rules/one-home.test.ts pins them.
export const ENV = {
  /** The tokens table's name. */
  tokensTable: 'TOKENGATE_TOKENS_TABLE',
  /** The audit table's name (the audit functions). */
  auditTable: 'TOKENGATE_AUDIT_TABLE',
  /** The search postings table's name (the functions that write tokens or search them). */
  searchTable: 'TOKENGATE_SEARCH_TABLE',
  /** The usage counters table's name (the usage recorder, and the API's usage reads). */
  usageTable: 'TOKENGATE_USAGE_TABLE',
  /** The Secrets Manager secret holding the HMAC key ring (AWS). */
  keySecretId: 'TOKENGATE_KEY_SECRET_ID',
  /** The file holding the HMAC key ring (local stack). */
  keyFile: 'TOKENGATE_KEY_FILE',
  /** DynamoDB Local's endpoint; unset in AWS. */
  dynamoEndpoint: 'TOKENGATE_DYNAMODB_ENDPOINT',
  /** Days a revoked or expired token is kept. */
  retentionDays: 'TOKENGATE_RETENTION_DAYS',
  /** Days an audit event is kept. */
  auditRetentionDays: 'TOKENGATE_AUDIT_RETENTION_DAYS',
  /** Seconds the key ring is kept in memory. */
  keyCacheSeconds: 'TOKENGATE_KEY_CACHE_SECONDS',
  /** Seconds an authorizer answer may be reused: set on the authorizer, read by the local stack too. */
  authorizerCacheTtl: 'TOKENGATE_AUTHORIZER_CACHE_TTL',
  /** Seconds before a token's expiry that the expiry-warning scan warns of it. */
  expiryWarningSeconds: 'TOKENGATE_EXPIRY_WARNING_SECONDS',
  /** The one secret a RotatedToken's rotation function rotates (its ARN). */
  rotatedSecretArn: 'TOKENGATE_ROTATED_SECRET_ARN',
  /** The description of the token a RotatedToken's rotation function mints. */
  rotatedDescription: 'TOKENGATE_ROTATED_DESCRIPTION',
  /** Its scopes, as JSON: `[{"scope", "resources"?}]`, as `POST /v1/tokens` takes them. */
  rotatedScopes: 'TOKENGATE_ROTATED_SCOPES',
  /** Seconds the previous token keeps working after a rotation of a RotatedToken. */
  rotatedGraceSeconds: 'TOKENGATE_ROTATED_GRACE_SECONDS',
  /** The `Gate` dimension of the metrics a gate's functions publish (set by the construct). */
  metricsGate: 'TOKENGATE_METRICS_GATE',
  /**
   * The OpenID Connect issuer whose ID tokens people sign in with (its `iss`, e.g. a Cognito user
   * pool's URL); unset, people sign-in is off and a JWT is refused as a malformed token.
   */
  oidcIssuer: 'TOKENGATE_OIDC_ISSUER',
  /** The console's client id at that issuer: the audience its ID tokens must name. */
  oidcClientId: 'TOKENGATE_OIDC_CLIENT_ID',
  /** The claim listing a person's groups: default `cognito:groups` for a Cognito issuer, else `groups`. */
  oidcGroupsClaim: 'TOKENGATE_OIDC_GROUPS_CLAIM',
  /** The group whose members manage tokens (default `tokengate-admins`). */
  oidcAdminGroup: 'TOKENGATE_OIDC_ADMIN_GROUP',
  /** The file the local stack's expiry warnings go to, in place of EventBridge; unset in AWS. */
  eventsFile: 'TOKENGATE_EVENTS_FILE',
  /**
   * The JSON file holding the deployment's scope catalogue (in AWS in the construct's catalogue layer,
   * locally the one `SCOPES_FILE` names); unset, the default catalogue.
   */
  catalogueFile: 'TOKENGATE_SCOPES_FILE',
  /** The local stack's scope catalogue: a JSON file in the shape of the construct's `scopes` prop. */
  scopesFile: 'SCOPES_FILE',
  /** The CLI's API endpoint. */
  endpoint: 'TOKENGATE_ENDPOINT',
  /** The CLI caller's token. */
  token: 'TOKENGATE_TOKEN',
  /** The CLI's saved login to use (`tokengate login --profile`); default `default`. */
  profile: 'TOKENGATE_PROFILE',
  /** Where the CLI keeps its saved logins: `$XDG_CONFIG_HOME/tokengate` (default `~/.config`). */
  configHome: 'XDG_CONFIG_HOME',
  /** `1`: the CLI and the local stack print stack traces. */
  debug: 'TOKENGATE_DEBUG',
  /** The local stack's data folder (default `.data/`), which the CLI reads to find it. */
  dataDir: 'DATA_DIR',
  /** The local stack's port (default 8787; 0 picks a free one). */
  port: 'PORT',
  /** The local stack's DynamoDB Local port (default: a free one). */
  localDynamoPort: 'TOKENGATE_LOCAL_DYNAMODB_PORT',
  /**
   * A loopback proxy in front of the local stack's DynamoDB Local that the stack's functions and
   * stream poller go through (the chaos run's fault proxy); unset, they reach it directly.
   */
  localDynamoProxy: 'TOKENGATE_LOCAL_DYNAMODB_PROXY',
  /** The local stack's development issuer: the emails (comma-separated) in the admin group. */
  adminEmails: 'TOKENGATE_ADMIN_EMAILS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
