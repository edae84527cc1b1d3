import { describe, expect, it } from 'vitest';
import { AuthorizerCache } from '../../local/authorizer-cache';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('AuthorizerCache', () => {
  it('serves an answer until the TTL has passed, then forgets it', () => {
    const time = clock();
    const cache = new AuthorizerCache<string>({ ttlSeconds: 2, now: time.now });
    cache.set('Bearer a', 'answer');

    time.advance(1_999);
    expect(cache.get('Bearer a')).toBe('answer');
    time.advance(1);
    expect(cache.get('Bearer a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keys on the exact identity value', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 60 });
    cache.set('Bearer a', 'answer');
    expect(cache.get('Bearer b')).toBeUndefined();
    expect(cache.get('bearer a')).toBeUndefined();
  });

  it('a TTL of 0 caches nothing', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 0 });
    cache.set('Bearer a', 'answer');
    expect(cache.get('Bearer a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('setting again restarts the TTL', () => {
    const time = clock();
    const cache = new AuthorizerCache<string>({ ttlSeconds: 2, now: time.now });
    cache.set('Bearer a', 'first');
    time.advance(1_500);
    cache.set('Bearer a', 'second');
    time.advance(1_500);
    expect(cache.get('Bearer a')).toBe('second');
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 60, maxEntries: 2 });
    cache.set('one', '1');
    cache.set('two', '2');
    cache.set('three', '3');
    expect(cache.size).toBe(2);
    expect(cache.get('one')).toBeUndefined();
    expect(cache.get('three')).toBe('3');
  });
});
