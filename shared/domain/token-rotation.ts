// Rotation's decisions, free of storage and clocks of its own: which token may be rotated, what its
// successor copies, and until when the old token keeps working. The token service reads, decides
// here, and has the store write it all in one conditional transaction.
import { CACHED_ALLOW_EXPIRY_MARGIN_MS } from '#spec/gateway';
import { ValidationError } from './errors';
import { lastAcceptedAt } from './expiry';
import { principalOf, statusOf, type TokenRecord } from './token';
import type { NewToken } from './token-service';

/** The longest grace a rotation may give the old token: one week. */
export const MAX_GRACE_SECONDS = 604_800;
/** The grace when none is asked for: one hour, time for a consumer to pick up the new token. */
export const DEFAULT_GRACE_SECONDS = 3_600;

/**
 * The shortest grace that gives the old token any time behind an authorizer cache of
 * `cacheTtlSeconds`: a grace up to the TTL plus a second ends before the authorizer would allow it.
 */
export function minimumGraceSeconds(cacheTtlSeconds: number): number {
  return cacheTtlSeconds > 0 ? cacheTtlSeconds + CACHED_ALLOW_EXPIRY_MARGIN_MS / 1000 + 1 : 1;
}

/**
 * Fails with ValidationError (naming `grace_seconds`) unless the grace is a whole number of seconds in
 * range, and either 0 (the old token ends now, within the TTL like a revocation) or long enough to
 * give the old token some time behind an authorizer cache of `cacheTtlSeconds`.
 */
export function checkGrace(graceSeconds: number, cacheTtlSeconds: number): number {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new ValidationError(
      `grace_seconds must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}`,
      'grace_seconds',
    );
  }
  const minimum = minimumGraceSeconds(cacheTtlSeconds);
  if (graceSeconds > 0 && graceSeconds < minimum) {
    throw new ValidationError(
      `grace_seconds must be 0 or at least ${minimum}: the authorizer stops accepting a token ` +
        `${minimum - 1} s before its expiry (the ${cacheTtlSeconds} s authorizer cache TTL plus 1 s), ` +
        `so a grace of ${graceSeconds} s would give the old token no time at all`,
      'grace_seconds',
    );
  }
  return graceSeconds;
}

/**
 * Until when the authorizer accepts the old token after a rotation gave it `expiresAt`, behind an
 * authorizer cache of `cacheTtlSeconds`; null when it accepts it no more (a grace of 0, or an expiry of
 * its own closer than the TTL plus a second): answers cached before may then pass it for up to the TTL,
 * as after a revocation.
 */
export function acceptedUntil(expiresAt: string, now: Date, cacheTtlSeconds: number): string | null {
  const until = lastAcceptedAt(Date.parse(expiresAt), cacheTtlSeconds);
  return until > now.getTime() ? new Date(until).toISOString() : null;
}

/** How long a token minted by self-rotation must wait before it may rotate itself in turn: an hour. */
export const SELF_ROTATION_INTERVAL_SECONDS = 3_600;

/**
 * Seconds until `record` may rotate itself, or 0 when it may now. A token minted by self-rotation may
 * not rotate itself within its first hour, so a leaked token cannot spin a chain of successors (each
 * one also written to the search index); an admin's rotation is not bounded.
 */
export function selfRotationWaitSeconds(
  record: Pick<TokenRecord, 'rotatedFrom' | 'createdBy' | 'createdAt'>,
  now: Date,
): number {
  if (!isSelfRotated(record)) return 0;
  const allowedFrom = Date.parse(record.createdAt) + SELF_ROTATION_INTERVAL_SECONDS * 1000;
  return Math.max(0, Math.ceil((allowedFrom - now.getTime()) / 1000));
}

/**
 * Why `record` may not be rotated at `now`, or null when it may. A token is rotated once: a revoked,
 * expired or already rotated one is refused. Crash recovery names the successor an earlier rotation
 * left unused (`replacing`): then the token must have been rotated to exactly that one.
 */
export function rotationRefusal(
  record: Pick<TokenRecord, 'id' | 'revokedAt' | 'expiresAt' | 'rotatedTo'>,
  now: Date,
  replacing?: string,
): string | null {
  const status = statusOf(record, now);
  if (status !== 'active') return `Token ${record.id} is ${status}: only an active token can be rotated`;
  if (replacing === undefined) {
    return record.rotatedTo === null
      ? null
      : `Token ${record.id} was rotated already, to ${record.rotatedTo}: rotate that one instead`;
  }
  if (record.rotatedTo === replacing) return null;
  return record.rotatedTo === null
    ? `Token ${record.id} was not rotated, so there is no successor ${replacing} to replace`
    : `Token ${record.id} was rotated to ${record.rotatedTo}, not to ${replacing}`;
}

/**
 * Whether `record` was minted by its predecessor rotating itself (`POST /v1/tokens/self/rotate`):
 * made by the very token it replaced. Such a token is a child of that token in the token tree, and
 * is revoked with it; an admin's rotation or a Secrets Manager rotation mints no child.
 */
export function isSelfRotated(record: Pick<TokenRecord, 'rotatedFrom' | 'createdBy'>): boolean {
  return (
    record.rotatedFrom !== null && record.createdBy === principalOf({ type: 'token', id: record.rotatedFrom })
  );
}

/**
 * How many descendants a revocation follows down the token tree, at most: each costs a few reads and
 * a write, and a token minted by self-rotation must wait before it self-rotates in turn, so a chain
 * this long takes days of rotations to make. Revoking the last one reached goes on from there.
 */
export const MAX_TREE_DEPTH = 100;

/**
 * Whether `child` is the child of `parent` in the token tree: its successor (a token is rotated at
 * most once, so it has at most one), minted by `parent` rotating itself.
 */
export function isChildOf(
  parent: Pick<TokenRecord, 'id' | 'rotatedTo'>,
  child: Pick<TokenRecord, 'id' | 'rotatedFrom' | 'createdBy'>,
): boolean {
  return parent.rotatedTo === child.id && child.rotatedFrom === parent.id && isSelfRotated(child);
}

/**
 * When the old token stops working: the earlier of its own expiry and now + grace, so it stops by
 * itself, without a scheduler, and a rotation never makes a token live longer.
 */
export function graceExpiry(expiresAt: string | null, now: Date, graceSeconds: number): string {
  const graceEnd = now.getTime() + graceSeconds * 1000;
  if (expiresAt !== null && Date.parse(expiresAt) < graceEnd) return expiresAt;
  return new Date(graceEnd).toISOString();
}

/**
 * Fails with ValidationError naming `expires_at` when a token rotating itself would give its successor
 * an expiry later than its own (or none, where it has one): whoever holds a token, a thief included,
 * may renew it only as far as it already reaches. An admin's rotation renews.
 */
export function checkSelfRenewal(currentExpiresAt: string | null, renewedExpiresAt: string | null): void {
  if (currentExpiresAt === null) return;
  if (renewedExpiresAt !== null && Date.parse(renewedExpiresAt) <= Date.parse(currentExpiresAt)) return;
  throw new ValidationError(
    `expires_at must not be later than the token's own expiry (${currentExpiresAt}): a token rotating ` +
      'itself cannot extend its life; another global:admin token can renew it (POST /v1/tokens/{id}/rotate)',
    'expires_at',
  );
}

/**
 * What the successor copies: kind, description, user email and scopes from the old token, so a
 * rotation can never widen what a token may do. Its expiry is the old token's own, from before any
 * rotation shortened it: a successor an earlier rotation left unused (`replaced`) still carries it.
 */
export function successorOf(
  record: Pick<TokenRecord, 'kind' | 'description' | 'userEmail' | 'scopes' | 'expiresAt'>,
  replaced?: Pick<TokenRecord, 'expiresAt'> | null,
): NewToken {
  return {
    kind: record.kind,
    description: record.description,
    userEmail: record.userEmail,
    scopes: record.scopes,
    expiresAt: replaced ? replaced.expiresAt : record.expiresAt,
  };
}
