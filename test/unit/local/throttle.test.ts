import { describe, expect, it } from 'vitest';
import { TokenBucket } from '#local/throttle';

describe('a route throttle', () => {
  it('lets a burst through, then refuses until the rate refills it', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 5, burstLimit: 10 }, () => now);
    const burst = Array.from({ length: 12 }, () => bucket.take());
    expect(burst.filter(Boolean)).toHaveLength(10);
    now += 200; // 5 a second: one request's worth
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than the burst, however long it was idle', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 5, burstLimit: 3 }, () => now);
    now += 3_600_000;
    const passed = Array.from({ length: 5 }, () => bucket.take()).filter(Boolean);
    expect(passed).toHaveLength(3);
  });
});
