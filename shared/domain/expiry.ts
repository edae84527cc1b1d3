// Expiry as users give it: never, in N days, or on an RFC 3339 date or date-time in the future.
import { CACHED_ALLOW_EXPIRY_MARGIN_MS } from '#spec/gateway';
import { ValidationError } from './errors';

export const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 86_400_000;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  // The month and day checks overlap (a day out of range moves the month, a month out of range the
  // year), so dropping either alone changes nothing; the year check is pinned by a test (year 0050).
  return (
    date.getUTCFullYear() === year &&
    // Stryker disable next-line ConditionalExpression: equivalent alone, a month out of range moves the year
    date.getUTCMonth() === month - 1 &&
    // Stryker disable next-line ConditionalExpression: equivalent alone, a day out of range moves the month
    date.getUTCDate() === day
  );
}

/** An RFC 3339 date (00:00 UTC that day) or date-time, as epoch milliseconds. */
export function parseTime(value: string, field: string): number {
  let time: number;
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    if (!isRealDate(year, month, day)) throw new ValidationError(`${field} is not a real date`, field);
    time = Date.UTC(year, month - 1, day);
  } else if (DATE_TIME.test(value) && isRealDate(...splitDate(value))) {
    time = Date.parse(value);
  } else {
    throw new ValidationError(`${field} must be an RFC 3339 date (2027-01-31) or date-time`, field);
  }
  if (Number.isNaN(time)) throw new ValidationError(`${field} is not a valid date-time`, field);
  return time;
}

/**
 * An RFC 3339 date (the token stops working at 00:00 UTC that day) or date-time, which must lie in
 * the future and no more than ten years ahead. Returns it normalised to UTC.
 */
export function parseExpiresAt(value: string, now: Date, field = 'expires_at'): string {
  const time = parseTime(value, field);
  if (time <= now.getTime()) throw new ValidationError(`${field} must be in the future`, field);
  if (time > now.getTime() + MAX_EXPIRY_DAYS * DAY_MS) {
    throw new ValidationError(`${field} must be at most ${MAX_EXPIRY_DAYS} days ahead`, field);
  }
  return new Date(time).toISOString();
}

function splitDate(value: string): [number, number, number] {
  return [Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))];
}

export function expiresInDays(days: number, now: Date): string {
  return new Date(now.getTime() + days * DAY_MS).toISOString();
}

/**
 * When a token with this expiry stops being allowed behind an authorizer cache of `cacheTtlSeconds`:
 * the TTL plus `CACHED_ALLOW_EXPIRY_MARGIN_MS` before `expires_at` (inclusive), so that no cached Allow
 * outlives it. Without a cache (a TTL of 0) the authorizer allows it up to `expires_at` itself.
 */
export function lastAcceptedAt(expiresAtMs: number, cacheTtlSeconds: number): number {
  return cacheTtlSeconds > 0
    ? expiresAtMs - cacheTtlSeconds * 1000 - CACHED_ALLOW_EXPIRY_MARGIN_MS
    : expiresAtMs;
}

/**
 * Fails with ValidationError naming `field` when a new token expiring at `expiresAt` could never be
 * used: behind an authorizer cache of `cacheTtlSeconds` (more than 0), the authorizer would refuse it
 * from its first use on (it stops accepting a token the TTL plus a second before its expiry).
 */
export function checkUsableExpiry(
  expiresAt: string | null,
  now: Date,
  cacheTtlSeconds: number,
  field = 'expires_at',
): void {
  // Without a cache there is no such bound (that an expiry lies ahead is parseExpiresAt's to check).
  if (expiresAt === null || cacheTtlSeconds === 0) return;
  if (lastAcceptedAt(Date.parse(expiresAt), cacheTtlSeconds) > now.getTime()) return;
  const ahead = cacheTtlSeconds + CACHED_ALLOW_EXPIRY_MARGIN_MS / 1000;
  throw new ValidationError(
    `${field} must be more than ${ahead} s ahead: the authorizer stops accepting a token ${ahead} s ` +
      `before its expiry (the ${cacheTtlSeconds} s authorizer cache TTL plus 1 s), so this token could never be used`,
    field,
  );
}
