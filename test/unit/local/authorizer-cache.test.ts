import { describe, expect, it } from 'vitest';
import { AuthorizerCache } from '#local/authorizer-cache';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** An identity as the gateway reads it: the Authorization header, the method, the stage path. */
const id = (authorization: string, method = 'GET', path = '/local/repos/a/x') => [
  authorization,
  method,
  path,
];

describe('AuthorizerCache', () => {
  it('serves an answer until the TTL has passed, then forgets it', () => {
    const time = clock();
    const cache = new AuthorizerCache<string>({ ttlSeconds: 2, now: time.now });
    cache.set(id('Bearer a'), 'answer');

    time.advance(1_999);
    expect(cache.get(id('Bearer a'))).toBe('answer');
    time.advance(1);
    expect(cache.get(id('Bearer a'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keys on the exact identity value', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 60 });
    cache.set(id('Bearer a'), 'answer');
    expect(cache.get(id('Bearer b'))).toBeUndefined();
    expect(cache.get(id('bearer a'))).toBeUndefined();
  });

  it('keys on every part: the same token on another method or path is not a hit', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 60 });
    cache.set(id('Bearer a', 'GET', '/local/repos/a/x'), 'answer');

    expect(cache.get(id('Bearer a', 'GET', '/local/repos/a/x'))).toBe('answer');
    expect(cache.get(id('Bearer a', 'DELETE', '/local/repos/a/x'))).toBeUndefined();
    expect(cache.get(id('Bearer a', 'GET', '/local/repos/b/x'))).toBeUndefined();
    expect(cache.get(id('Bearer a', 'GET', '/local/repos/a/x/'))).toBeUndefined();
  });

  it('keeps parts apart: moving text from one part to the next is another identity', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 60 });
    cache.set(['Bearer a', 'GET/x', '/y'], 'answer');
    expect(cache.get(['Bearer a', 'GET', '/x/y'])).toBeUndefined();
  });

  it('a TTL of 0 caches nothing', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 0 });
    cache.set(id('Bearer a'), 'answer');
    expect(cache.get(id('Bearer a'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('setting again restarts the TTL', () => {
    const time = clock();
    const cache = new AuthorizerCache<string>({ ttlSeconds: 2, now: time.now });
    cache.set(id('Bearer a'), 'first');
    time.advance(1_500);
    cache.set(id('Bearer a'), 'second');
    time.advance(1_500);
    expect(cache.get(id('Bearer a'))).toBe('second');
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const cache = new AuthorizerCache<string>({ ttlSeconds: 60, maxEntries: 2 });
    cache.set(id('one'), '1');
    cache.set(id('two'), '2');
    cache.set(id('three'), '3');
    expect(cache.size).toBe(2);
    expect(cache.get(id('one'))).toBeUndefined();
    expect(cache.get(id('three'))).toBe('3');
  });
});
