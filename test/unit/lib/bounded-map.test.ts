// The small helpers of shared/lib/: the bounded map behind the per-process caches, and retry backoff.
import { describe, expect, it } from 'vitest';
import { backoffMs } from '#lib/backoff';
import { BoundedMap } from '#lib/bounded-map';

describe('BoundedMap', () => {
  it('starts over when a new key arrives at the bound, so it never holds more than the bound', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('c', 3);
    expect([...map]).toEqual([['c', 3]]);
  });

  it('replaces an entry it holds without emptying itself, even when full', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3);
    expect([...map]).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });
});

describe('backoffMs', () => {
  it('waits a random time up to base x 2^attempt, and never over the cap', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      for (let i = 0; i < 50; i++) {
        const wait = backoffMs(attempt, 50, 1_000);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
  });
});
