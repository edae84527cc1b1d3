// Exponential backoff with full jitter, for retry loops: the wait before retry `attempt` (1, 2, ...)
// is random, up to `baseMs` × 2^attempt and never over `capMs`, so retrying callers spread out.
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
