import { describe, expect, it } from 'vitest';
import { imageToTokenImage } from '#adapters/token-item';
import { auditEventOf, type StreamChange, TTL_ACTOR, UNATTRIBUTED_ACTOR } from '#domain/audit';
import { ValidationError } from '#domain/errors';

const TOKEN_ID = 'Tok3nId000000001';
const ADMIN = { type: 'token', id: 'AdminTokenId0001' } as const;
const CREATED_AT = '2026-06-15T12:00:00.000Z';
const SECRET_HASH = 'c2VjcmV0LWhhc2gtdGhhdC1tdXN0LW5ldmVyLWxlYWs';
const KEY_ID = 'k7';

type Image = Record<string, unknown>;

const stamp = (op: string, at: string, actor: { type: string; id: string } = ADMIN) => ({
  actor_type: actor.type,
  actor_id: actor.id,
  op,
  at,
});

/** A token item as shared/adapters/token-item.ts encodes it, unmarshalled (a stream image). */
function tokenItem(overrides: Image = {}): Image {
  return {
    id: TOKEN_ID,
    kind: 'user',
    description: 'CI deploys',
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    scope_names: new Set(['repos:read']),
    created_at: CREATED_AT,
    created_by: `token:${ADMIN.id}`,
    expires_at: '2027-01-31T00:00:00.000Z',
    hint: 'tg_Tok3nId0',
    search_text: 'ci deploys\n\ntok3nid000000001',
    secret_hash: SECRET_HASH,
    key_id: KEY_ID,
    ttl: 1_800_000_000,
    list_pk: 'tokens',
    created_sk: `A#${CREATED_AT}#${TOKEN_ID}`,
    name_sk: `A#ci deploys#${TOKEN_ID}`,
    stamp: stamp('create', CREATED_AT),
    ...overrides,
  };
}

const EVENT_ID = 'e0f1a2b3c4d5e6f708192a3b4c5d6e7f';

/** A stream change as the consumer hands it to the domain: its images decoded by the item codec. */
function change(
  eventName: StreamChange['eventName'],
  images: { old?: Image; new?: Image },
  extra: Partial<StreamChange> = {},
): StreamChange {
  return {
    eventId: EVENT_ID,
    eventName,
    approximateTime: new Date('2026-06-15T12:34:00.000Z'),
    oldImage: images.old && imageToTokenImage(images.old, EVENT_ID, 'oldImage'),
    newImage: images.new && imageToTokenImage(images.new, EVENT_ID, 'newImage'),
    ...extra,
  };
}

const REVOKED_AT = '2026-06-16T08:00:00.000Z';
const revokedItem = (by: { type: string; id: string } = ADMIN) =>
  tokenItem({
    revoked_at: REVOKED_AT,
    revoked_by: `${by.type}:${by.id}`,
    created_sk: `R#${CREATED_AT}#${TOKEN_ID}`,
    stamp: stamp('revoke', REVOKED_AT, by),
  });

describe('auditEventOf', () => {
  it('an INSERT is token.created, by the creator, at the creation time, with what was granted', () => {
    const event = auditEventOf(change('INSERT', { new: tokenItem() }));

    expect(event).toEqual({
      id: EVENT_ID,
      time: CREATED_AT,
      type: 'token.created',
      token_id: TOKEN_ID,
      actor: ADMIN,
      details: {
        kind: 'user',
        description: 'CI deploys',
        user_email: null,
        scopes: [{ scope: 'repos:read', resources: ['cran'] }],
        expires_at: '2027-01-31T00:00:00.000Z',
      },
    });
  });

  it('a token created by bootstrap is attributed to the system actor that made it', () => {
    const bootstrap = { type: 'system', id: 'bootstrap' };
    const event = auditEventOf(
      change('INSERT', { new: tokenItem({ stamp: stamp('create', CREATED_AT, bootstrap) }) }),
    );
    expect(event?.actor).toEqual(bootstrap);
  });

  it('a MODIFY that newly sets revoked_at is token.revoked, by whoever revoked it', () => {
    const event = auditEventOf(change('MODIFY', { old: tokenItem(), new: revokedItem() }));

    expect(event).toMatchObject({
      type: 'token.revoked',
      token_id: TOKEN_ID,
      actor: ADMIN,
      time: REVOKED_AT,
      details: { kind: 'user', description: 'CI deploys', revoked_at: REVOKED_AT },
    });
  });

  it('a descendant revoked with its ancestor in the token tree names it: details.revoked_with', () => {
    const ancestor = 'Ancestor00000001';
    const withAncestor = revokedItem();
    withAncestor.stamp = { ...stamp('revoke', REVOKED_AT), revoked_with: ancestor };
    const event = auditEventOf(change('MODIFY', { old: tokenItem(), new: withAncestor }));

    expect(event).toMatchObject({ type: 'token.revoked', actor: ADMIN, details: { revoked_with: ancestor } });
    expect(
      auditEventOf(change('MODIFY', { old: tokenItem(), new: revokedItem() }))?.details,
    ).not.toHaveProperty('revoked_with');
  });

  it('a leaked token revoked by whoever held it is attributed to the token itself', () => {
    const self = { type: 'token', id: TOKEN_ID } as const;
    const event = auditEventOf(change('MODIFY', { old: tokenItem(), new: revokedItem(self) }));
    expect(event?.actor).toEqual(self);
  });

  it('a MODIFY that links the token to a successor is token.rotated, by the rotator, with rotated_to and the new expiry', () => {
    const at = '2026-06-15T13:00:00.000Z';
    const self = { type: 'token', id: TOKEN_ID } as const;
    const event = auditEventOf(
      change('MODIFY', {
        old: tokenItem(),
        new: tokenItem({
          rotated_to: 'Successor0000001',
          expires_at: '2026-06-15T14:00:00.000Z',
          stamp: stamp('rotate', at, self),
        }),
      }),
    );

    expect(event).toEqual({
      id: EVENT_ID,
      time: at,
      type: 'token.rotated',
      token_id: TOKEN_ID,
      actor: self,
      details: {
        kind: 'user',
        description: 'CI deploys',
        rotated_to: 'Successor0000001',
        expires_at: '2026-06-15T14:00:00.000Z',
      },
    });
  });

  it('relinking a rotated token to a new successor (crash recovery) is token.rotated again', () => {
    const at = '2026-06-15T13:05:00.000Z';
    const event = auditEventOf(
      change('MODIFY', {
        old: tokenItem({ rotated_to: 'Successor0000001' }),
        new: tokenItem({ rotated_to: 'Successor0000002', stamp: stamp('rotate', at) }),
      }),
    );
    expect(event).toMatchObject({ type: 'token.rotated', details: { rotated_to: 'Successor0000002' } });
  });

  it('a rotated token touched later (last use) is no second token.rotated', () => {
    const rotated = tokenItem({ rotated_to: 'Successor0000001', stamp: stamp('rotate', CREATED_AT) });
    expect(
      auditEventOf(change('MODIFY', { old: rotated, new: { ...rotated, last_used_at: CREATED_AT } })),
    ).toBeNull();
  });

  it("a successor's INSERT is token.created, naming the token it replaced", () => {
    const event = auditEventOf(change('INSERT', { new: tokenItem({ rotated_from: 'Predecessor00001' }) }));
    expect(event).toMatchObject({ type: 'token.created', details: { rotated_from: 'Predecessor00001' } });
  });

  it('an update is token.updated, naming each changed field before and after', () => {
    const at = '2026-06-15T13:00:00.000Z';
    const event = auditEventOf(
      change('MODIFY', {
        old: tokenItem({ user_email: 'old@example.com' }),
        new: tokenItem({ user_email: 'new@example.com', stamp: stamp('update', at) }),
      }),
    );

    expect(event).toMatchObject({
      type: 'token.updated',
      actor: ADMIN,
      time: at,
      details: { changes: { user_email: { old: 'old@example.com', new: 'new@example.com' } } },
    });
    expect(Object.keys(event?.details.changes ?? {})).toEqual(['user_email']);
  });

  it('clearing the user email is an update from the address to null', () => {
    const event = auditEventOf(
      change('MODIFY', {
        old: tokenItem({ user_email: 'old@example.com' }),
        new: tokenItem({ stamp: stamp('update', '2026-06-15T13:00:00.000Z') }),
      }),
    );
    expect(event?.details.changes).toEqual({ user_email: { old: 'old@example.com', new: null } });
  });

  it('a MODIFY that changes only last_used_at (stamp as it was) is no event', () => {
    const event = auditEventOf(
      change('MODIFY', {
        old: tokenItem(),
        new: tokenItem({ last_used_at: '2026-06-15T14:00:00.000Z' }),
      }),
    );
    expect(event).toBeNull();
  });

  it('an update that set what was there already is no event', () => {
    const event = auditEventOf(
      change('MODIFY', {
        old: tokenItem({ user_email: 'same@example.com' }),
        new: tokenItem({
          user_email: 'same@example.com',
          stamp: stamp('update', '2026-06-15T13:00:00.000Z'),
        }),
      }),
    );
    expect(event).toBeNull();
  });

  it('the stamp a delete puts on just before its REMOVE is no event (the REMOVE is)', () => {
    const deletedAt = '2026-06-16T09:00:00.000Z';
    const event = auditEventOf(
      change('MODIFY', { old: revokedItem(), new: { ...revokedItem(), stamp: stamp('delete', deletedAt) } }),
    );
    expect(event).toBeNull();
  });

  it('a REMOVE is token.deleted, attributed from the delete stamp in its old image', () => {
    const deletedAt = '2026-06-16T09:00:00.000Z';
    const deleter = { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' } as const;
    const event = auditEventOf(
      change('REMOVE', { old: { ...revokedItem(), stamp: stamp('delete', deletedAt, deleter) } }),
    );

    expect(event).toMatchObject({
      type: 'token.deleted',
      token_id: TOKEN_ID,
      actor: deleter,
      time: deletedAt,
      details: { kind: 'user', description: 'CI deploys', revoked_at: REVOKED_AT },
    });
  });

  it('a REMOVE by DynamoDB TTL is token.expired, by the system actor dynamodb-ttl', () => {
    const event = auditEventOf(
      change(
        'REMOVE',
        { old: tokenItem() },
        { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } },
      ),
    );

    expect(event).toMatchObject({
      type: 'token.expired',
      actor: TTL_ACTOR,
      time: '2026-06-15T12:34:00.000Z',
      details: { expires_at: '2027-01-31T00:00:00.000Z', revoked_at: null },
    });
    expect(TTL_ACTOR).toEqual({ type: 'system', id: 'dynamodb-ttl' });
  });

  it('a REMOVE made by hand, without a delete stamp, is not pinned on the last writer', () => {
    const event = auditEventOf(change('REMOVE', { old: tokenItem() }));
    expect(event).toMatchObject({ type: 'token.deleted', actor: UNATTRIBUTED_ACTOR });
  });

  it('a change made by hand without a new stamp is still recorded, as unattributed', () => {
    const event = auditEventOf(
      change('MODIFY', { old: tokenItem(), new: tokenItem({ description: 'renamed in the console' }) }),
    );
    expect(event).toMatchObject({
      type: 'token.updated',
      actor: UNATTRIBUTED_ACTOR,
      details: { changes: { description: { old: 'CI deploys', new: 'renamed in the console' } } },
    });
  });

  it('never puts the hash, the key id or other bookkeeping into details', () => {
    const events = [
      auditEventOf(change('INSERT', { new: tokenItem() })),
      auditEventOf(change('MODIFY', { old: tokenItem(), new: revokedItem() })),
      auditEventOf(
        change('MODIFY', {
          old: tokenItem(),
          new: tokenItem({ user_email: 'a@example.com', stamp: stamp('update', REVOKED_AT) }),
        }),
      ),
      auditEventOf(change('REMOVE', { old: { ...revokedItem(), stamp: stamp('delete', REVOKED_AT) } })),
      auditEventOf(
        change(
          'REMOVE',
          { old: tokenItem() },
          { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } },
        ),
      ),
    ];
    const allowed = ['kind', 'description', 'user_email', 'scopes', 'expires_at', 'revoked_at', 'changes'];
    for (const event of events) {
      expect(event).not.toBeNull();
      const text = JSON.stringify(event);
      expect(text).not.toContain(SECRET_HASH);
      expect(text).not.toContain('secret_hash');
      expect(text).not.toContain('key_id');
      expect(text).not.toContain('hint');
      for (const key of Object.keys(event?.details ?? {})) expect(allowed).toContain(key);
    }
  });

  it('refuses a record that does not describe a token, so that it fails instead of vanishing', () => {
    expect(() => auditEventOf(change('INSERT', {}))).toThrow(
      new ValidationError(`Stream record ${EVENT_ID} has no newImage`, 'newImage'),
    );
    expect(() => auditEventOf(change('MODIFY', { new: tokenItem() }))).toThrow(/has no oldImage/);
    expect(() => auditEventOf(change('INSERT', { new: { description: 'no id' } }))).toThrow(
      new ValidationError(
        `Stream record ${EVENT_ID}: newImage.id is not a token attribute: expected string`,
        'newImage',
      ),
    );
    expect(() =>
      auditEventOf(change('INSERT', { new: tokenItem({ stamp: { op: 'create', at: 'yesterday' } }) })),
    ).toThrow(ValidationError);
  });

  it('refuses a stamp that does not say who, what and when', () => {
    const refused = (bad: Image) => () => change('INSERT', { new: tokenItem({ stamp: bad }) });
    const good = stamp('create', CREATED_AT);

    expect(refused({ ...good, at: 'yesterday' })).toThrow(
      `Stream record ${EVENT_ID}: newImage.stamp.at is not a token attribute: not an ISO 8601 time`,
    );
    expect(refused({ ...good, actor_type: 'root' })).toThrow(
      /newImage\.stamp\.actor_type .*not one of token, user, iam, system/,
    );
    expect(refused({ ...good, actor_id: '' })).toThrow(/newImage\.stamp\.actor_id .*empty/);
    expect(refused({ ...good, op: 'touch' })).toThrow(/newImage\.stamp\.op /);
    expect(refused({ ...good, at: undefined })).toThrow(ValidationError);
    expect(() =>
      change('INSERT', { new: tokenItem({ stamp: { ...good, at: '2026-06-15T14:00:00+02:00' } }) }),
    ).not.toThrow();
  });
});
