// The HTTP API authorizer's memo of verified callers, over a fake verifier and a fake clock.
import { describe, expect, it, vi } from 'vitest';
import { UnauthorizedError } from '#domain/errors';
import { RememberedCallers } from '#domain/remembered-callers';
import { mintToken } from '#domain/token-format';
import type { Caller } from '#domain/verify-bearer';

const START = Date.parse('2026-06-15T12:00:00Z');
const TOKEN = 'tg_secretpartthatmustnotbeakey';

function caller(expiresAt: string | null = null): Caller {
  return {
    tokenId: 'tok1',
    kind: 'user',
    scopes: [{ scope: 'repos:read', resources: ['a'] }],
    principal: 'token:tok1',
    expiresAt,
  };
}

function setup(options: { ttlSeconds?: number; expiresAt?: string | null; maxEntries?: number } = {}) {
  let now = START;
  let answer: Caller | Error = caller(options.expiresAt ?? null);
  const source = {
    verify: vi.fn(async (_: string | null | undefined) => {
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  };
  const memo = new RememberedCallers(source, {
    ttlSeconds: options.ttlSeconds ?? 30,
    now: () => now,
    maxEntries: options.maxEntries,
  });
  return {
    memo,
    source,
    advance: (ms: number) => (now += ms),
    refuseFromNowOn: () => (answer = new UnauthorizedError('The token is revoked')),
  };
}

describe('RememberedCallers', () => {
  it('remembers a verified caller for the TTL, then asks the verifier again: a revocation is seen within it', async () => {
    const { memo, source, advance, refuseFromNowOn } = setup({ ttlSeconds: 30 });
    await memo.verify(`Bearer ${TOKEN}`);
    refuseFromNowOn(); // revoked just after the first check

    advance(29_999);
    await expect(memo.verify(`Bearer ${TOKEN}`)).resolves.toMatchObject({ tokenId: 'tok1' });
    expect(source.verify).toHaveBeenCalledTimes(1);

    advance(1);
    await expect(memo.verify(`Bearer ${TOKEN}`)).rejects.toThrow(UnauthorizedError);
    expect(source.verify).toHaveBeenCalledTimes(2);
  });

  it("never remembers a caller past the token's expires_at", async () => {
    const expiresAt = new Date(START + 10_000).toISOString();
    const { memo, source, advance, refuseFromNowOn } = setup({ ttlSeconds: 30, expiresAt });
    await memo.verify(`Bearer ${TOKEN}`);
    refuseFromNowOn(); // what the verifier says once the token has expired

    advance(9_999);
    await expect(memo.verify(`Bearer ${TOKEN}`)).resolves.toMatchObject({ tokenId: 'tok1' });
    advance(1);
    await expect(memo.verify(`Bearer ${TOKEN}`)).rejects.toThrow(UnauthorizedError);
    expect(source.verify).toHaveBeenCalledTimes(2);
  });

  it('never remembers a refusal', async () => {
    const { memo, source, refuseFromNowOn } = setup();
    refuseFromNowOn();

    await expect(memo.verify(`Bearer ${TOKEN}`)).rejects.toThrow(UnauthorizedError);
    await expect(memo.verify(`Bearer ${TOKEN}`)).rejects.toThrow(UnauthorizedError);
    expect(source.verify).toHaveBeenCalledTimes(2);
    expect(memo.size).toBe(0);
  });

  it('with a TTL of 0 remembers nothing', async () => {
    const { memo, source } = setup({ ttlSeconds: 0 });
    await memo.verify(`Bearer ${TOKEN}`);
    await memo.verify(`Bearer ${TOKEN}`);
    expect(source.verify).toHaveBeenCalledTimes(2);
    expect(memo.size).toBe(0);
  });

  it('keys on a digest of the exact header: another header is another entry, and no key holds the token', async () => {
    const { memo, source } = setup();
    await memo.verify(`Bearer ${TOKEN}`);
    await memo.verify(`Bearer ${TOKEN}x`);
    await memo.verify(`Bearer ${TOKEN}`);

    expect(source.verify).toHaveBeenCalledTimes(2);
    const keys = [...(memo as unknown as { entries: Map<string, unknown> }).entries.keys()];
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).not.toContain(TOKEN.slice(3, 20));
  });

  it('passes a missing header straight to the verifier, remembering nothing', async () => {
    const { memo, source } = setup();
    await memo.verify(undefined);
    expect(source.verify).toHaveBeenCalledWith(undefined);
    expect(memo.size).toBe(0);
  });

  it('ends every entry of a token at the expires_at a later read of its item finds, brought forward by a rotation', async () => {
    const { memo, source, advance } = setup({ ttlSeconds: 30 });
    await memo.verify(`Bearer ${TOKEN}`); // remembered: no expiry
    // Rotated with a 5 s grace; another header for the same token (`Key`) misses the memo and reads it.
    const shortened = new Date(START + 5_000).toISOString();
    source.verify.mockResolvedValueOnce(caller(shortened));
    await memo.verify(`Key ${TOKEN}`);

    advance(4_999);
    await expect(memo.verify(`Bearer ${TOKEN}`)).resolves.toMatchObject({ tokenId: 'tok1' });
    expect(source.verify).toHaveBeenCalledTimes(2);
    advance(1);
    await memo.verify(`Bearer ${TOKEN}`); // no longer from memory: read again
    expect(source.verify).toHaveBeenCalledTimes(3);
  });

  it('ends every entry of a token that a later read of its item refuses (a rotation with grace 0, a revocation)', async () => {
    const { token, id } = mintToken();
    const { memo, source, refuseFromNowOn } = setup({ ttlSeconds: 30 });
    source.verify.mockResolvedValueOnce({ ...caller(), tokenId: id });
    await memo.verify(`Bearer ${token}`);
    refuseFromNowOn();

    await expect(memo.verify(`bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    await expect(memo.verify(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    expect(source.verify).toHaveBeenCalledTimes(3);
  });

  it('counts the TTL from when the read began: a caller read slowly is not remembered for longer', async () => {
    const { memo, source, advance, refuseFromNowOn } = setup({ ttlSeconds: 30 });
    let answer: (value: Caller) => void = () => {};
    source.verify.mockImplementationOnce(() => new Promise<Caller>((resolve) => (answer = resolve)));
    const slow = memo.verify(`Bearer ${TOKEN}`);
    advance(3_000); // DynamoDB answers 3 s later, with the item as it was when the read began
    answer(caller());
    await slow;
    refuseFromNowOn(); // revoked just after the read began: it must stop within 30 s of that

    advance(26_999);
    await expect(memo.verify(`Bearer ${TOKEN}`)).resolves.toMatchObject({ tokenId: 'tok1' });
    advance(1);
    await expect(memo.verify(`Bearer ${TOKEN}`)).rejects.toThrow(UnauthorizedError);
    expect(source.verify).toHaveBeenCalledTimes(2);
  });

  it('a read begun before a refusal, answered after it, does not reopen the entries the refusal ended', async () => {
    const { token, id } = mintToken();
    const { memo, source, advance, refuseFromNowOn } = setup({ ttlSeconds: 30 });
    const active = { ...caller(), tokenId: id };
    source.verify.mockResolvedValueOnce(active);
    await memo.verify(`Bearer ${token}`); // remembered
    let answer: (value: Caller) => void = () => {};
    source.verify.mockImplementationOnce(() => new Promise<Caller>((resolve) => (answer = resolve)));
    const stale = memo.verify(`Key ${token}`); // begins reading while the token is still active
    advance(1_000);
    refuseFromNowOn(); // revoked; a third spelling of the header reads the item and is refused
    await expect(memo.verify(`bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    answer(active); // the early read answers last, with the item as it was before the revocation
    await stale;

    await expect(memo.verify(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    await expect(memo.verify(`Key ${token}`)).rejects.toThrow(UnauthorizedError);
    expect(source.verify).toHaveBeenCalledTimes(5);
  });

  it('holds at most maxEntries', async () => {
    const { memo } = setup({ maxEntries: 2 });
    for (const suffix of ['a', 'b', 'c']) await memo.verify(`Bearer ${TOKEN}${suffix}`);
    expect(memo.size).toBeLessThanOrEqual(2);
  });
});
