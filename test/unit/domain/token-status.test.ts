// A token's status is computed from its record and the clock on every read (shared/domain/token.ts):
// the authorizer refuses anything but `active`, so each edge here is an edge of the boundary.
import { describe, expect, it } from 'vitest';
import { principalOf, statusOf, type TokenRecord, tokenView } from '#domain/token';

const now = new Date('2026-06-15T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms).toISOString();

const record: TokenRecord = {
  id: 'StatusToken00001',
  kind: 'user',
  description: 'status probe',
  userEmail: 'ann@example.com',
  scopes: [{ scope: 'repos:read', resources: ['a'] }],
  createdAt: '2026-06-01T00:00:00.000Z',
  createdBy: 'token:AdminTokenId0001',
  createdByName: 'Provisioning admin',
  expiresAt: null,
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
  hint: 'tg_StatusTo',
  hash: { hash: 'c2VjcmV0', keyId: 'k1' },
  rotatedFrom: null,
  rotatedTo: null,
};

describe('statusOf', () => {
  it('is active without an expiry or a revocation', () => {
    expect(statusOf(record, now)).toBe('active');
  });

  it('is active until the very millisecond of expires_at, and expired from it on', () => {
    expect(statusOf({ ...record, expiresAt: at(1) }, now)).toBe('active');
    expect(statusOf({ ...record, expiresAt: at(0) }, now)).toBe('expired');
    expect(statusOf({ ...record, expiresAt: at(-1) }, now)).toBe('expired');
  });

  it('is revoked once revoked, whatever the expiry: revocation wins over expiry', () => {
    expect(statusOf({ ...record, revokedAt: at(-1000) }, now)).toBe('revoked');
    expect(statusOf({ ...record, revokedAt: at(-1000), expiresAt: at(-500) }, now)).toBe('revoked');
    expect(statusOf({ ...record, revokedAt: at(-1000), expiresAt: at(60_000) }, now)).toBe('revoked');
  });

  it('counts a revocation dated in the future as a revocation (the record says revoked)', () => {
    expect(statusOf({ ...record, revokedAt: at(60_000) }, now)).toBe('revoked');
  });
});

describe('tokenView', () => {
  it('shows every field of the record under its API name, with the status of the moment, and never the hash', () => {
    const view = tokenView({ ...record, expiresAt: at(0), lastUsedAt: at(-5) }, now);

    expect(view).toEqual({
      id: 'StatusToken00001',
      kind: 'user',
      description: 'status probe',
      user_email: 'ann@example.com',
      scopes: [{ scope: 'repos:read', resources: ['a'] }],
      status: 'expired',
      created_at: '2026-06-01T00:00:00.000Z',
      created_by: 'token:AdminTokenId0001',
      created_by_name: 'Provisioning admin',
      expires_at: at(0),
      revoked_at: null,
      revoked_by: null,
      last_used_at: at(-5),
      hint: 'tg_StatusTo',
      rotated_from: null,
      rotated_to: null,
    });
    expect(JSON.stringify(view)).not.toContain('c2VjcmV0');
  });

  it('shows created_by_name as null for a record made before it was kept', () => {
    const { createdByName: _, ...older } = record;
    expect(tokenView(older, now).created_by_name).toBeNull();
  });

  it('shows the rotation links both ways', () => {
    const view = tokenView(
      { ...record, rotatedFrom: 'OldToken00000001', rotatedTo: 'NewToken00000001' },
      now,
    );
    expect(view.rotated_from).toBe('OldToken00000001');
    expect(view.rotated_to).toBe('NewToken00000001');
  });
});

describe('principalOf', () => {
  it('names an actor as type:id', () => {
    expect(principalOf({ type: 'token', id: 'AbC' })).toBe('token:AbC');
    expect(principalOf({ type: 'iam', id: 'arn:aws:iam::1:role/x' })).toBe('iam:arn:aws:iam::1:role/x');
  });
});
