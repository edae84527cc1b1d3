// Edges of expiry parsing, the key ring and the remembered callers, each pinned so that a loosened
// check fails a test (mutation testing).
import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#domain/errors';
import { parseTime } from '#domain/expiry';
import { KeyRingError, parseKeyRing } from '#domain/keyring';
import { RememberedCallers } from '#domain/remembered-callers';
import type { Caller } from '#domain/verify-bearer';

function refusal(value: string): ValidationError {
  try {
    parseTime(value, 'when');
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('parseTime', () => {
  it('refuses a date that does not exist, naming the field', () => {
    for (const value of [
      '2027-02-29',
      '2027-02-30',
      '2027-04-31',
      '2027-13-01',
      '2027-00-10',
      '2027-01-00',
    ]) {
      const error = refusal(value);
      expect(error.message, value).toBe('when is not a real date');
      expect(error.field).toBe('when');
    }
    expect(parseTime('2028-02-29', 'when')).toBe(Date.UTC(2028, 1, 29));
  });

  it('does not read a year below 100 as 19xx', () => {
    expect(refusal('0050-01-01').message).toBe('when is not a real date');
    expect(refusal('0099-12-31T00:00:00Z').message).toMatch(/^when must be an RFC 3339 date/);
  });

  it('refuses a date-time whose date does not exist, or whose time does not', () => {
    expect(refusal('2027-02-30T00:00:00Z').message).toMatch(/^when must be an RFC 3339 date/);
    expect(refusal('2027-01-01T25:00:00Z').message).toBe('when is not a valid date-time');
    expect(refusal('2027-01-01T23:60:00Z').message).toBe('when is not a valid date-time');
  });

  it('the date-time must be the whole value', () => {
    for (const value of [
      'x2027-01-01T00:00:00Z',
      ' 2027-01-01T00:00:00Z',
      '2027-01-01T00:00:00Zx',
      '2027-01-01T00:00:00Z\n',
    ]) {
      expect(refusal(value).message, JSON.stringify(value)).toMatch(/^when must be an RFC 3339 date/);
    }
    // A date-time after another date: the date read from the start is real, the value is not one date-time.
    expect(refusal('2027-01-01T2027-01-01T00:00:00Z').message).toMatch(/^when must be an RFC 3339 date/);
    expect(parseTime('2027-01-01t00:00:00.5+01:00', 'when')).toBe(Date.UTC(2026, 11, 31, 23, 0, 0, 500));
  });
});

describe('parseKeyRing', () => {
  it('accepts a key of exactly 32 characters', () => {
    const ring = parseKeyRing(JSON.stringify({ current: 'k1', k1: 'x'.repeat(32) }));
    expect(ring.keys.get('k1')?.length).toBe(32);
    expect(() => parseKeyRing(JSON.stringify({ current: 'k1', k1: 'x'.repeat(31) }))).toThrow(KeyRingError);
  });
});

describe('RememberedCallers: what takes room', () => {
  const START = Date.parse('2026-06-15T12:00:00Z');
  const caller = (expiresAt: string | null): Caller => ({
    tokenId: 'tok1',
    kind: 'user',
    scopes: [],
    principal: 'token:tok1',
    expiresAt,
  });

  it('a caller whose token expires now is not remembered', async () => {
    const source = { verify: vi.fn(async () => caller(new Date(START).toISOString())) };
    const memo = new RememberedCallers(source, { ttlSeconds: 30, now: () => START });
    await memo.verify('Bearer x');
    expect(memo.size).toBe(0);
  });

  it('an entry past its time is dropped, also when the verifier then refuses', async () => {
    let now = START;
    let refuse = false;
    const source = {
      verify: vi.fn(async () => {
        if (refuse) throw new Error('refused');
        return caller(null);
      }),
    };
    const memo = new RememberedCallers(source, { ttlSeconds: 30, now: () => now });
    await memo.verify('Bearer x');
    expect(memo.size).toBe(1);
    now += 30_000;
    refuse = true;
    await expect(memo.verify('Bearer x')).rejects.toThrow('refused');
    expect(memo.size).toBe(0);
  });
});
