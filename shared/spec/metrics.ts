// The CloudWatch metrics tokengate's functions publish, named once: the functions write them as
// embedded metric format (EMF) lines in their logs, the construct's `metric*()` methods
// (cdk/token-gate.ts) read them back under the same namespace, names and dimensions. Dimensions stay
// few-valued: the gate, a refusal's reason, an error's code, a function's or rotation's name; never a
// token id, a principal or a path.

/** The namespace every metric of every gate is published under. */
export const METRICS_NAMESPACE = 'tokengate';

/** The dimension names. */
export const METRIC_DIMENSIONS = {
  /** Which gate published it (`ENV.metricsGate`): several gates may share an account and region. */
  gate: 'Gate',
  /** Why the authorizer refused (`DENY_REASONS`). */
  reason: 'Reason',
  /** An API error's `code`, as its JSON body has it (`validation_error`, `not_found`, ...). */
  code: 'Code',
  /** Which rotation: `key` (the HMAC key secret) or `token` (a RotatedToken's secret). */
  rotation: 'Rotation',
} as const;

/**
 * Why the authorizer refused a request. `malformed`: no Authorization header, more than one, or
 * not a well-formed token (checksum included); `unknown`: no such token, or its hash does not
 * match; `revoked`, `expired` (expired, or expiring before a cached answer would); `scope`: the
 * token's scopes do not grant the method and path; `crafted_path`: a path with dot segments,
 * encoded separators or IAM wildcards, refused whatever the token.
 */
export const DENY_REASONS = ['malformed', 'unknown', 'revoked', 'expired', 'scope', 'crafted_path'] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

/** Which secret a rotation function rotates. */
export const ROTATIONS = ['key', 'token'] as const;
export type Rotation = (typeof ROTATIONS)[number];

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricDef {
  readonly name: string;
  readonly unit: MetricUnit;
  /** The dimensions it is published with (keys of `METRIC_DIMENSIONS`), the gate's first. */
  readonly dimensions: readonly (keyof typeof METRIC_DIMENSIONS)[];
  /** The statistic its `metric*()` method reads by default. */
  readonly statistic: 'Sum' | 'Average' | 'Maximum' | 'p99';
}

const count = (name: string, dimensions: MetricDef['dimensions'] = ['gate']): MetricDef => ({
  name,
  unit: 'Count',
  dimensions,
  statistic: 'Sum',
});

const milliseconds = (name: string, statistic: MetricDef['statistic']): MetricDef => ({
  name,
  unit: 'Milliseconds',
  dimensions: ['gate'],
  statistic,
});

/** Every metric, by what it counts or times. */
export const METRICS = {
  /** The authorizer allowed a request. */
  allowed: count('Allowed'),
  /** The authorizer refused a request, by `Reason`. */
  denied: count('Denied', ['gate', 'reason']),
  /** An HTTP API check whose caller the authorizer's memo remembered (no database read). */
  memoHits: count('MemoHits'),
  /** The authorizer's read of the token's item, as it waited for it. */
  storeLatency: milliseconds('StoreLatency', 'p99'),
  /** A request to the management API's functions. */
  requests: count('Requests'),
  /** A management API request answered with an error, by `Code`. */
  errors: count('Errors', ['gate', 'code']),
  /** From a change to the tokens table to its audit event written. */
  auditLag: milliseconds('AuditLag', 'Maximum'),
  /** A stream record the audit consumer could not write (retried, then sent to the failure queue). */
  auditFailures: count('AuditFailures'),
  /** A secret rotation step finished, by `Rotation`. */
  rotationSucceeded: count('RotationSucceeded', ['gate', 'rotation']),
  /** A secret rotation step failed, by `Rotation`. */
  rotationFailed: count('RotationFailed', ['gate', 'rotation']),
} as const satisfies Record<string, MetricDef>;
