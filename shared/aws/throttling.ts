// AWS's answers that mean "too much at once: try again shortly". The SDK-free client retries them
// (json-client.ts), as the SDK's standard retry strategy does; once the retries are spent, the HTTP
// functions answer them 503 with Retry-After (functions/commons/http.ts) rather than a bare 500.
// Read from the error's name alone, so that this module loads no SDK.

/** The error names AWS services give throttling (DynamoDB's own two first). */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** A DynamoDB transaction's cancellation reasons that mean one of its items was throttled. */
const THROTTLED_REASONS: ReadonlySet<string> = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * Whether `error` is AWS throttling a call: by its name (the SDK's exceptions, and the SDK-free
 * client's `AwsServiceError`, name themselves by their code), or a transaction DynamoDB cancelled
 * because one of its items was throttled.
 */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING_CODES.has(error.name)) return true;
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((reason) => THROTTLED_REASONS.has(reason.Code ?? ''));
}
