// Verified callers, remembered for a short while by the HTTP API authorizer, which API Gateway does
// not cache (its cache key cannot hold the request path). Only who the bearer is gets remembered,
// never what it may call: the decision is made on every request. An entry lives at most the cache
// TTL, so a revoked token stops within it, and never past the token's `expires_at`. Refusals are
// not remembered. Keys are SHA-256 digests of the Authorization header: no token is held as such.
import { createHash } from 'node:crypto';
import { BoundedMap } from '#lib/bounded-map';
import type { Caller } from './verify-bearer';

export interface CallerSource {
  /**
   * `whileReading`, if given, may be called once while the token's item is being read (never for a
   * token refused before any read): work done there overlaps the read instead of following it. It
   * is handed the caller the read is expected to confirm, or undefined: what is decided there for
   * that caller holds only if `verify` resolves to that very object.
   */
  verify(
    authorization: string | null | undefined,
    whileReading?: (expected: Caller | undefined) => void,
  ): Promise<Caller>;
}

export interface RememberedCallersOptions {
  /** How long a verified caller is remembered; 0 remembers nothing. */
  ttlSeconds: number;
  now?: () => number;
  /** Bound on entries: when full, all are forgotten (a burst of new tokens cannot grow it). */
  maxEntries?: number;
}

export class RememberedCallers implements CallerSource {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries: BoundedMap<string, { caller: Caller; until: number }>;

  constructor(
    private readonly source: CallerSource,
    options: RememberedCallersOptions,
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now ?? (() => Date.now());
    this.entries = new BoundedMap(options.maxEntries ?? 10_000);
  }

  /** The caller, from memory while its entry lasts, else from `source` (which throws to refuse). */
  async verify(authorization: string | null | undefined): Promise<Caller> {
    if (
      !authorization ||
      // Stryker disable next-line ConditionalExpression: equivalent, with a TTL of 0 `until` below is `now` and nothing is stored; this only skips the hashing
      this.ttlMs === 0
    ) {
      return this.source.verify(authorization);
    }
    const key = createHash('sha256').update(authorization).digest('base64');
    const entry = this.entries.get(key);
    if (entry) {
      if (this.now() < entry.until) return entry.caller;
      this.entries.delete(key);
    }
    const caller = await this.source.verify(authorization);
    const now = this.now();
    const expiresAt = caller.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(caller.expiresAt);
    const until = Math.min(now + this.ttlMs, expiresAt);
    if (until > now) {
      this.entries.set(key, { caller, until });
    }
    return caller;
  }

  get size(): number {
    return this.entries.size;
  }
}
