// Verified callers, remembered for a short while by the HTTP API authorizer, which API Gateway does
// not cache (its cache key cannot hold the request path). Only who the bearer is gets remembered,
// never what it may call: the decision is made on every request. An entry lives at most the cache
// TTL from the moment its read began (what a read finds may be as old as that), so a revoked token
// stops within the TTL of its revocation however slowly DynamoDB answered, and never past the
// token's `expires_at` as the memo last read it: a read of the item (a request whose header is not
// remembered yet) that finds the token refused, or its expiry brought forward by a rotation, ends
// every entry of that token at once, and a read begun before it cannot undo that.
// Refusals are not remembered. Keys are SHA-256 digests of the Authorization header: no token is held as such.
import { createHash } from 'node:crypto';
import { BoundedMap } from '#lib/bounded-map';
import type { CallerSource } from './caller-source';
import { parseToken, tokenFromAuthorization } from './token-format';
import type { Caller } from './verify-bearer';

export interface RememberedCallersOptions {
  /** How long a verified caller is remembered; 0 remembers nothing. */
  ttlSeconds: number;
  now?: () => number;
  /** Bound on entries: when full, all are forgotten (a burst of new tokens cannot grow it). */
  maxEntries?: number;
  /** Called for each caller answered from memory (the authorizer counts them). */
  onHit?: () => void;
}

/**
 * What the memo last read of one token's item: until when it may be accepted (its `expires_at`, or
 * never again once refused). Every entry of the token shares it, whatever header spelling made the
 * entry, so a read through one brings the others' end forward too: an `expires_at` that a rotation
 * moved forward, or a revocation, is respected by all of them as soon as the memo next reads the item.
 */
interface TokenState {
  until: number;
  /** When the read that set `until` began: a read begun earlier may have seen an older item. */
  readAt: number;
}

interface Remembered {
  caller: Caller;
  /** The entry's own end: when it was made, plus the TTL. */
  until: number;
  token: TokenState;
}

export class RememberedCallers implements CallerSource {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries: BoundedMap<string, Remembered>;
  /** By token id. Emptied together with `entries`, so no entry keeps a state the map has let go. */
  private readonly tokens = new Map<string, TokenState>();
  private readonly maxEntries: number;
  private readonly onHit: (() => void) | undefined;

  constructor(
    private readonly source: CallerSource,
    options: RememberedCallersOptions,
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now ?? (() => Date.now());
    this.maxEntries = options.maxEntries ?? 10_000;
    this.entries = new BoundedMap(this.maxEntries);
    this.onHit = options.onHit;
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
      const now = this.now();
      if (now < entry.until && now < entry.token.until) {
        this.onHit?.();
        return entry.caller;
      }
      this.entries.delete(key);
    }
    const readAt = this.now();
    let caller: Caller;
    try {
      caller = await this.source.verify(authorization);
    } catch (error) {
      // Refused now: no entry of this token is accepted any more (a forged token naming its id only
      // costs the next request a read).
      const id = parseToken(tokenFromAuthorization(authorization) ?? '');
      const state = id === null ? undefined : this.tokens.get(id);
      if (state) {
        state.until = Number.NEGATIVE_INFINITY;
        state.readAt = Math.max(state.readAt, readAt);
      }
      throw error;
    }
    const expiresAt = caller.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(caller.expiresAt);
    const token = this.stateOf(caller.tokenId);
    // A read begun before the one that last set the token's state saw an item no newer than it did.
    if (readAt >= token.readAt) {
      token.until = expiresAt;
      token.readAt = readAt;
    }
    const until = Math.min(readAt + this.ttlMs, expiresAt);
    if (until > this.now()) {
      this.entries.set(key, { caller, until, token });
    }
    return caller;
  }

  /** The shared state of a token's entries, made on first use. */
  private stateOf(tokenId: string): TokenState {
    let state = this.tokens.get(tokenId);
    if (state === undefined) {
      if (this.tokens.size >= this.maxEntries) {
        this.tokens.clear();
        this.entries.clear();
      }
      state = { until: Number.POSITIVE_INFINITY, readAt: Number.NEGATIVE_INFINITY };
      this.tokens.set(tokenId, state);
    }
    return state;
  }

  get size(): number {
    return this.entries.size;
  }
}
