// API Gateway's authorizer result cache: the answer for one identity (here the Authorization header,
// the method and the path, `REST_AUTHORIZER_IDENTITY`) is reused until the TTL passes, which is why
// a revoked token keeps working for up to that long, and only for the request it was decided for.
// Keys are SHA-256 digests, so no token is held in memory as such.
import { createHash } from 'node:crypto';

export interface AuthorizerCacheOptions {
  /** 0 disables the cache, as `authorizerResultTtlInSeconds: 0` does. */
  ttlSeconds: number;
  now?: () => number;
  /** Bound on entries, so a client sending a new header each time cannot grow the cache forever. */
  maxEntries?: number;
}

export class AuthorizerCache<T> {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(options: AuthorizerCacheOptions) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The identity's parts, each as API Gateway read it; JSON keeps `a,b` + `c` apart from `a` + `b,c`. */
  private static keyOf(identity: readonly string[]): string {
    return createHash('sha256').update(JSON.stringify(identity)).digest('base64');
  }

  get(identity: readonly string[]): T | undefined {
    if (this.ttlMs <= 0) return undefined;
    const key = AuthorizerCache.keyOf(identity);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(identity: readonly string[], value: T): void {
    if (this.ttlMs <= 0) return;
    const key = AuthorizerCache.keyOf(identity);
    this.entries.delete(key); // re-inserting keeps the Map in insertion order, oldest first
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
