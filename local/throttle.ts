// API Gateway's stage throttling for one route: a token bucket refilled at `rateLimit` a second and
// holding at most `burstLimit` requests.
import type { Throttle } from '#spec/routes';

export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly throttle: Throttle,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = throttle.burstLimit;
    this.updated = now();
  }

  /** Whether one more request may pass now. */
  take(): boolean {
    const now = this.now();
    const refill = ((now - this.updated) / 1000) * this.throttle.rateLimit;
    this.tokens = Math.min(this.throttle.burstLimit, this.tokens + refill);
    this.updated = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
