// The access-log line of the management API, named once: each JSON field and the API Gateway
// `$context` variable it holds. The construct gives API Gateway this format (cdk/rest-api.ts), the
// local gateway writes the same fields (local/access-log.ts), and the usage recorder reads `principal`
// and `status` from either (shared/domain/usage.ts). Never a header: the Authorization header is the
// secret.

/** Field name → API Gateway's variable (REST API access logging). */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  /** Milliseconds from API Gateway's call of the function to its answer. */
  integrationLatency: '$context.integrationLatency',
  /** The caller the authorizer named: `token:<id>` (what the usage recorder counts). */
  principal: '$context.authorizer.principalId',
  /** Milliseconds the authorizer took, as API Gateway waited for it (0 or `-` for a cached answer). */
  authorizerLatency: '$context.authorizer.latency',
  /** The status the authorizer's answer became (200, 401, 403, 500). */
  authorizerStatus: '$context.authorizer.status',
  /** The authorizer's error message, when it failed. */
  authorizerError: '$context.authorizer.error',
  errorType: '$context.error.responseType',
} as const;

export type AccessLogField = keyof typeof ACCESS_LOG_FORMAT;

/** One access-log line as JSON: every field, `-` where API Gateway has no value for it. */
export type AccessLogLine = Record<AccessLogField, string>;

/** The value API Gateway writes for a variable it has no value for. */
export const NO_VALUE = '-';
