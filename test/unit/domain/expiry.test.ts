import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import {
  checkUsableExpiry,
  expiresInDays,
  lastAcceptedAt,
  MAX_EXPIRY_DAYS,
  parseExpiresAt,
} from '#domain/expiry';

const NOW = new Date('2026-06-15T12:00:00.000Z');

function refusal(value: string, field?: string): ValidationError {
  try {
    parseExpiresAt(value, NOW, field);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('parseExpiresAt', () => {
  it('a date alone means 00:00 UTC that day', () => {
    expect(parseExpiresAt('2027-01-31', NOW)).toBe('2027-01-31T00:00:00.000Z');
  });

  it.each([
    ['2027-01-31T10:20:30Z', '2027-01-31T10:20:30.000Z'],
    ['2027-01-31T10:20:30.5Z', '2027-01-31T10:20:30.500Z'],
    ['2027-01-31T10:20:30+02:00', '2027-01-31T08:20:30.000Z'],
    ['2027-01-31T01:00:00-05:30', '2027-01-31T06:30:00.000Z'],
    ['2027-01-31T23:30:00-01:00', '2027-02-01T00:30:00.000Z'],
    ['2027-01-31t10:20:30z', '2027-01-31T10:20:30.000Z'],
    ['2027-01-31 10:20:30Z', '2027-01-31T10:20:30.000Z'],
  ])('a date-time %s is normalised to UTC: %s', (value, expected) => {
    expect(parseExpiresAt(value, NOW)).toBe(expected);
  });

  it('the day after today is accepted; today (00:00 UTC, already past) is refused', () => {
    expect(parseExpiresAt('2026-06-16', NOW)).toBe('2026-06-16T00:00:00.000Z');
    expect(refusal('2026-06-15').message).toMatch(/future/);
  });

  it.each([
    ['a time in the past', '2025-01-01T00:00:00Z'],
    ['exactly now', NOW.toISOString()],
    ['a date in the past', '2020-02-29'],
  ])('refuses %s', (_, value) => {
    expect(refusal(value).message).toMatch(/must be in the future/);
  });

  it(`accepts ${MAX_EXPIRY_DAYS} days ahead, refuses one second more`, () => {
    const limit = new Date(NOW.getTime() + MAX_EXPIRY_DAYS * 86_400_000);
    expect(parseExpiresAt(limit.toISOString(), NOW)).toBe(limit.toISOString());
    expect(refusal(new Date(limit.getTime() + 1000).toISOString()).message).toMatch(/at most 3650 days/);
    expect(refusal('2040-01-01').message).toMatch(/at most 3650 days/);
  });

  it.each([
    ['2027-02-30'],
    ['2027-02-29'],
    ['2027-13-01'],
    ['2027-00-10'],
    ['2027-04-31'],
    ['2027-02-30T10:00:00Z'],
    ['2027-01-01T25:00:00Z'],
    ['2027-01-01T10:61:00Z'],
  ])('refuses the impossible date %s', (value) => {
    expect(refusal(value)).toBeInstanceOf(ValidationError);
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseExpiresAt('2028-02-29', NOW)).toBe('2028-02-29T00:00:00.000Z');
  });

  it.each([
    [''],
    ['tomorrow'],
    ['90d'],
    ['1798761600'],
    ['2027-1-31'],
    ['31/01/2027'],
    ['2027-01-31T10:20Z'],
    ['2027-01-31T10:20:30'],
    ['2027-01-31T10:20:30+0200'],
    ['2027-01-31T10:20:30Z trailing'],
    [' 2027-01-31'],
  ])('refuses the garbage %j', (value) => {
    expect(refusal(value).message).toMatch(/RFC 3339/);
  });

  it('names the field in the error, expires_at unless told otherwise', () => {
    expect(refusal('garbage').field).toBe('expires_at');
    expect(refusal('garbage').message).toContain('expires_at');
    const named = refusal('2020-01-01', 'expires');
    expect(named.field).toBe('expires');
    expect(named.message).toContain('expires');
    expect(refusal('2027-02-30', 'expires').field).toBe('expires');
  });
});

describe('expiresInDays', () => {
  it('is the given number of whole days from now', () => {
    expect(expiresInDays(1, NOW)).toBe('2026-06-16T12:00:00.000Z');
    expect(expiresInDays(90, NOW)).toBe('2026-09-13T12:00:00.000Z');
  });
});

describe('lastAcceptedAt', () => {
  it('is the TTL and a second before the expiry behind a cache, the expiry itself without one', () => {
    expect(lastAcceptedAt(100_000, 30)).toBe(69_000);
    expect(lastAcceptedAt(100_000, 1)).toBe(98_000);
    expect(lastAcceptedAt(100_000, 0)).toBe(100_000);
  });
});

describe('checkUsableExpiry', () => {
  const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

  it('refuses, naming the field, an expiry the TTL and a second ahead or closer: the authorizer would refuse the token from its first use', () => {
    for (const expiresAt of [ahead(1), ahead(10_000), ahead(31_000)]) {
      let thrown: unknown;
      try {
        checkUsableExpiry(expiresAt, NOW, 30);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, expiresAt).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).field).toBe('expires_at');
      expect((thrown as ValidationError).message).toBe(
        'expires_at must be more than 31 s ahead: the authorizer stops accepting a token 31 s before its ' +
          'expiry (the 30 s authorizer cache TTL plus 1 s), so this token could never be used',
      );
    }
    expect(() => checkUsableExpiry(ahead(5_000), NOW, 30, 'expires')).toThrow(
      expect.objectContaining({ field: 'expires' }),
    );
  });

  it('takes an expiry further ahead, no expiry at all, and any future expiry without a cache', () => {
    expect(() => checkUsableExpiry(ahead(31_001), NOW, 30)).not.toThrow();
    expect(() => checkUsableExpiry(null, NOW, 30)).not.toThrow();
    expect(() => checkUsableExpiry(ahead(1), NOW, 0)).not.toThrow();
    expect(() => checkUsableExpiry(ahead(-1_000), NOW, 0)).not.toThrow(); // parseExpiresAt's to refuse
  });
});
