// The token tree's one decision (shared/domain/token-rotation.ts): which token is a child of which, and the
// stamp that records, on a descendant, the ancestor it was revoked with.
import { describe, expect, it } from 'vitest';
import { stampToItem } from '#adapters/token-item';
import { isChildOf, isSelfRotated } from '#domain/token-rotation';

const parent = { id: 'Parent0000000001', rotatedTo: 'Child00000000001' };
const child = {
  id: 'Child00000000001',
  rotatedFrom: 'Parent0000000001',
  createdBy: 'token:Parent0000000001',
};

describe('the token tree', () => {
  it('a token minted by its predecessor rotating itself is that token’s child', () => {
    expect(isSelfRotated(child)).toBe(true);
    expect(isChildOf(parent, child)).toBe(true);
  });

  it('a successor an admin, a person or Secrets Manager made is no child', () => {
    for (const createdBy of [
      'token:AdminTokenId0001',
      'user:a@example.com',
      'system:secrets-manager-rotation',
    ]) {
      expect(isSelfRotated({ ...child, createdBy })).toBe(false);
      expect(isChildOf(parent, { ...child, createdBy })).toBe(false);
    }
    expect(isSelfRotated({ rotatedFrom: null, createdBy: 'token:null' })).toBe(false);
  });

  it('a child is the successor its parent names, made from that parent', () => {
    expect(isChildOf({ ...parent, rotatedTo: null }, child)).toBe(false);
    expect(isChildOf({ ...parent, rotatedTo: 'Other00000000001' }, child)).toBe(false);
    const ofAnother = { ...child, rotatedFrom: 'Other00000000001', createdBy: 'token:Other00000000001' };
    expect(isChildOf(parent, ofAnother)).toBe(false);
  });

  it('a revocation with an ancestor writes it in the stamp, and only then', () => {
    const at = '2026-12-07T04:00:00.000Z';
    const actor = { type: 'token', id: 'AdminTokenId0001' } as const;
    expect(stampToItem({ actor, op: 'revoke', at, revokedWith: parent.id })).toEqual({
      actor_type: 'token',
      actor_id: 'AdminTokenId0001',
      op: 'revoke',
      at,
      revoked_with: parent.id,
    });
    expect(stampToItem({ actor, op: 'revoke', at })).not.toHaveProperty('revoked_with');
  });
});
