// Rotation's decisions (shared/domain/token-rotation.ts): what may be rotated, the grace, what the successor
// copies. Pinned edge by edge, as the file is mutation-tested (stryker.config.mjs).
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import type { TokenRecord } from '#domain/token';
import {
  acceptedUntil,
  checkGrace,
  checkSelfRenewal,
  DEFAULT_GRACE_SECONDS,
  graceExpiry,
  MAX_GRACE_SECONDS,
  minimumGraceSeconds,
  rotationRefusal,
  SELF_ROTATION_INTERVAL_SECONDS,
  selfRotationWaitSeconds,
  successorOf,
} from '#domain/token-rotation';

const now = new Date('2026-11-28T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms).toISOString();

const active = {
  id: 'RotateMe00000001',
  revokedAt: null,
  expiresAt: null,
  rotatedTo: null,
} satisfies Pick<TokenRecord, 'id' | 'revokedAt' | 'expiresAt' | 'rotatedTo'>;

describe('checkGrace', () => {
  it('takes 0 to one week, in whole seconds, and defaults to an hour', () => {
    expect(MAX_GRACE_SECONDS).toBe(604_800);
    expect(DEFAULT_GRACE_SECONDS).toBe(3_600);
    for (const grace of [0, 1, 3_600, MAX_GRACE_SECONDS]) expect(checkGrace(grace, 0)).toBe(grace);
  });

  it('refuses a negative, fractional, too long or non-finite grace, naming grace_seconds', () => {
    for (const grace of [-1, 0.5, MAX_GRACE_SECONDS + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let thrown: unknown;
      try {
        checkGrace(grace, 30);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(grace)).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).field).toBe('grace_seconds');
      expect((thrown as ValidationError).message).toBe(
        'grace_seconds must be a whole number of seconds from 0 to 604800',
      );
    }
  });

  it('behind a cache, refuses a grace from 1 s to the TTL plus 1 s, naming the smallest that gives the old token time', () => {
    for (const grace of [1, 10, 30, 31]) {
      let thrown: unknown;
      try {
        checkGrace(grace, 30);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(grace)).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).field).toBe('grace_seconds');
      expect((thrown as ValidationError).message).toBe(
        'grace_seconds must be 0 or at least 32: the authorizer stops accepting a token 31 s before its ' +
          `expiry (the 30 s authorizer cache TTL plus 1 s), so a grace of ${grace} s would give the old token no time at all`,
      );
    }
    for (const grace of [0, 32, 3_600]) expect(checkGrace(grace, 30)).toBe(grace);
    expect(() => checkGrace(6, 5)).toThrow(/at least 7/);
    expect(checkGrace(7, 5)).toBe(7);
  });

  it('names TTL + 2 as the smallest useful grace, and 1 s without a cache', () => {
    expect(minimumGraceSeconds(30)).toBe(32);
    expect(minimumGraceSeconds(1)).toBe(3);
    expect(minimumGraceSeconds(0)).toBe(1);
  });
});

describe('acceptedUntil', () => {
  it('is the expiry less the TTL and a second behind a cache, the expiry itself without one', () => {
    expect(acceptedUntil(at(120_000), now, 30)).toBe(at(89_000));
    expect(acceptedUntil(at(120_000), now, 0)).toBe(at(120_000));
  });

  it('is null once the authorizer accepts the token no more: a grace of 0, or an expiry within the TTL and a second', () => {
    expect(acceptedUntil(now.toISOString(), now, 30)).toBeNull();
    expect(acceptedUntil(now.toISOString(), now, 0)).toBeNull();
    expect(acceptedUntil(at(31_000), now, 30)).toBeNull();
    expect(acceptedUntil(at(31_001), now, 30)).toBe(at(1));
  });
});

describe('selfRotationWaitSeconds', () => {
  const createdAt = now.toISOString();
  const selfMinted = { rotatedFrom: 'Parent0000000001', createdBy: 'token:Parent0000000001', createdAt };

  it('makes a token minted by self-rotation wait an hour from its creation before it rotates itself', () => {
    expect(SELF_ROTATION_INTERVAL_SECONDS).toBe(3_600);
    expect(selfRotationWaitSeconds(selfMinted, now)).toBe(3_600);
    expect(selfRotationWaitSeconds(selfMinted, new Date(now.getTime() + 1_000))).toBe(3_599);
    expect(selfRotationWaitSeconds(selfMinted, new Date(now.getTime() + 3_599_001))).toBe(1);
    expect(selfRotationWaitSeconds(selfMinted, new Date(now.getTime() + 3_600_000))).toBe(0);
    expect(selfRotationWaitSeconds(selfMinted, new Date(now.getTime() + 86_400_000))).toBe(0);
  });

  it('lets any other token rotate itself at once: one made by an admin, or by an admin rotation', () => {
    expect(
      selfRotationWaitSeconds({ rotatedFrom: null, createdBy: 'token:Admin00000000001', createdAt }, now),
    ).toBe(0);
    expect(selfRotationWaitSeconds({ ...selfMinted, createdBy: 'token:Admin00000000001' }, now)).toBe(0);
    expect(
      selfRotationWaitSeconds({ ...selfMinted, createdBy: 'system:secrets-manager-rotation' }, now),
    ).toBe(0);
  });
});

describe('rotationRefusal', () => {
  it('lets an active token that was never rotated be rotated', () => {
    expect(rotationRefusal(active, now)).toBeNull();
    expect(rotationRefusal({ ...active, expiresAt: at(1) }, now)).toBeNull();
  });

  it('refuses a revoked token', () => {
    expect(rotationRefusal({ ...active, revokedAt: at(-1) }, now)).toBe(
      'Token RotateMe00000001 is revoked: only an active token can be rotated',
    );
  });

  it('refuses a token expired at now, to the millisecond', () => {
    expect(rotationRefusal({ ...active, expiresAt: at(0) }, now)).toBe(
      'Token RotateMe00000001 is expired: only an active token can be rotated',
    );
    expect(rotationRefusal({ ...active, expiresAt: at(-1) }, now)).toMatch(/is expired/);
  });

  it('refuses a token rotated already, naming its successor', () => {
    expect(rotationRefusal({ ...active, rotatedTo: 'Successor0000001' }, now)).toBe(
      'Token RotateMe00000001 was rotated already, to Successor0000001: rotate that one instead',
    );
  });

  it('refuses a revoked or expired token even when replacing its successor', () => {
    const rotated = { ...active, rotatedTo: 'Successor0000001' };
    expect(rotationRefusal({ ...rotated, revokedAt: at(-1) }, now, 'Successor0000001')).toMatch(/is revoked/);
    expect(rotationRefusal({ ...rotated, expiresAt: at(0) }, now, 'Successor0000001')).toMatch(/is expired/);
  });

  it('when replacing, the token must have been rotated to exactly that successor', () => {
    const rotated = { ...active, rotatedTo: 'Successor0000001' };
    expect(rotationRefusal(rotated, now, 'Successor0000001')).toBeNull();
    expect(rotationRefusal(rotated, now, 'Successor0000002')).toBe(
      'Token RotateMe00000001 was rotated to Successor0000001, not to Successor0000002',
    );
    expect(rotationRefusal(active, now, 'Successor0000001')).toBe(
      'Token RotateMe00000001 was not rotated, so there is no successor Successor0000001 to replace',
    );
  });
});

describe('graceExpiry', () => {
  it('a token that never expires stops at now + grace', () => {
    expect(graceExpiry(null, now, 3_600)).toBe(at(3_600_000));
    expect(graceExpiry(null, now, 0)).toBe(now.toISOString());
  });

  it('a token expiring later than the grace stops at now + grace', () => {
    expect(graceExpiry(at(3_600_001), now, 3_600)).toBe(at(3_600_000));
  });

  it('a token expiring before the grace ends keeps its own expiry: rotation never extends a lifetime', () => {
    expect(graceExpiry(at(60_000), now, 3_600)).toBe(at(60_000));
    expect(graceExpiry(at(3_599_999), now, 3_600)).toBe(at(3_599_999));
  });

  it('at exactly now + grace the two agree: the grace end, in UTC with milliseconds', () => {
    expect(graceExpiry(at(3_600_000), now, 3_600)).toBe(at(3_600_000));
    expect(graceExpiry('2026-11-28T13:00:00Z', now, 3_600)).toBe('2026-11-28T13:00:00.000Z');
  });

  it('keeps an earlier expiry as it was written', () => {
    expect(graceExpiry('2026-11-28T12:01:00Z', now, 3_600)).toBe('2026-11-28T12:01:00Z');
  });
});

describe('successorOf', () => {
  const record = {
    kind: 'service',
    description: 'nightly sync',
    userEmail: 'ops@example.com',
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    expiresAt: '2027-01-31T00:00:00.000Z',
  } satisfies Pick<TokenRecord, 'kind' | 'description' | 'userEmail' | 'scopes' | 'expiresAt'>;

  it('copies kind, description, user email, scopes and expiry, and nothing else', () => {
    expect(successorOf(record)).toEqual(record);
    expect(successorOf({ ...record, expiresAt: null, userEmail: null })).toEqual({
      ...record,
      expiresAt: null,
      userEmail: null,
    });
    expect(successorOf(record, null)).toEqual(record);
  });

  it("takes the expiry of the successor it replaces, from before the first rotation shortened the old token's", () => {
    const shortened = { ...record, expiresAt: '2026-11-28T13:00:00.000Z' };
    expect(successorOf(shortened, { expiresAt: '2027-01-31T00:00:00.000Z' }).expiresAt).toBe(
      '2027-01-31T00:00:00.000Z',
    );
    expect(successorOf(shortened, { expiresAt: null }).expiresAt).toBeNull();
  });
});

describe('checkSelfRenewal: a token rotating itself never puts its expiry later', () => {
  const own = at(30 * 86_400_000);
  const refused = (current: string | null, renewed: string | null) => {
    try {
      checkSelfRenewal(current, renewed);
      return null;
    } catch (error) {
      return error instanceof ValidationError ? error.field : 'not a ValidationError';
    }
  };

  it('the same expiry, or a sooner one, is allowed', () => {
    expect(refused(own, own)).toBeNull();
    expect(refused(own, at(86_400_000))).toBeNull();
  });

  it('a token without an expiry may take any', () => {
    expect(refused(null, at(86_400_000))).toBeNull();
    expect(refused(null, null)).toBeNull();
  });

  it('a later expiry, or none, is refused naming expires_at', () => {
    expect(refused(own, at(30 * 86_400_000 + 1))).toBe('expires_at');
    expect(refused(own, null)).toBe('expires_at');
  });
});
