// The deployment's defaults: what the construct and the local stack use when a team sets nothing else.

/** How long API Gateway (and the local gateway) may reuse an authorizer's answer for one request. */
export const DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS = 30;

/** Days a revoked or expired token is kept before DynamoDB's TTL removes it (`retentionDays`). */
export const DEFAULT_RETENTION_DAYS = 30;

/** Days an audit event is kept before DynamoDB's TTL removes it (`auditRetentionDays`). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;

/** Days before a token's `expires_at` that it is warned of (`expiryWarningWindow`). */
export const DEFAULT_EXPIRY_WARNING_DAYS = 14;
