import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_ATTRIBUTES,
  imageToTokenImage,
  itemToCredential,
  itemToRecord,
  recordToItem,
} from '#adapters/token-item';
import { ValidationError } from '#domain/errors';
import type { TokenRecord } from '#domain/token';
import type { Stamp } from '#domain/token-store';
import { TOKEN_ATTRIBUTES, TOKENS_TABLE } from '#spec/tables';

const RETENTION_SECONDS = 30 * 86_400;
const SECRET_HASH = 'c2VjcmV0LWhhc2gtdGhhdC1tdXN0LW5ldmVyLWxlYWs';

const record: TokenRecord = {
  id: 'Tok3nId000000001',
  kind: 'user',
  description: 'CI deploys',
  userEmail: 'ci@example.com',
  scopes: [
    { scope: 'repos:read', resources: ['cran'] },
    { scope: 'global:admin', resources: null },
  ],
  createdAt: '2026-06-15T12:00:00.000Z',
  createdBy: 'token:AdminTokenId0001',
  createdByName: 'Provisioning admin',
  expiresAt: '2027-01-31T00:00:00.000Z',
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
  hint: 'tg_Tok3nId0',
  hash: { hash: SECRET_HASH, keyId: 'k7' },
  rotatedFrom: null,
  rotatedTo: null,
};

const stamp: Stamp = {
  actor: { type: 'system', id: 'bootstrap' },
  op: 'create',
  at: '2026-06-15T12:00:00.000Z',
};

/** The item as the document client stores it: attributes whose value is undefined are left out. */
const stored = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

describe('the token item', () => {
  it('reads back as the record it was written from', () => {
    expect(itemToRecord(stored(recordToItem(record, stamp, RETENTION_SECONDS)))).toEqual(record);
    const bare = { ...record, userEmail: null, createdByName: null, expiresAt: null, scopes: [] };
    expect(itemToRecord(stored(recordToItem(bare, stamp, RETENTION_SECONDS)))).toEqual(bare);
    expect(stored(recordToItem(record, stamp, RETENTION_SECONDS))).toMatchObject({
      created_by_name: 'Provisioning admin',
    });
    const rotated = { ...record, rotatedFrom: 'OldToken00000001', rotatedTo: 'NewToken00000001' };
    const item = stored(recordToItem(rotated, stamp, RETENTION_SECONDS));
    expect(item).toMatchObject({ rotated_from: 'OldToken00000001', rotated_to: 'NewToken00000001' });
    expect(itemToRecord(item)).toEqual(rotated);
  });

  it('gives the authorizer the credential of the record, read from the credential attributes alone', () => {
    const item = stored(recordToItem(record, stamp, RETENTION_SECONDS));
    const projected = Object.fromEntries(CREDENTIAL_ATTRIBUTES.map((name) => [name, item[name]]));

    expect(itemToCredential(projected)).toEqual({
      id: record.id,
      kind: record.kind,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      hash: record.hash,
    });
  });

  it('names only attributes of the table definition, its keys and index keys among them', () => {
    const item = recordToItem(record, stamp, RETENTION_SECONDS);
    expect(Object.keys(item).filter((name) => !(name in TOKEN_ATTRIBUTES))).toEqual([]);
    const keys = [
      TOKENS_TABLE.partitionKey,
      ...TOKENS_TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ];
    for (const key of keys) expect(typeof item[key.name as keyof typeof item]).toBe('string');
    expect(item.ttl).toBe(Date.parse('2027-01-31T00:00:00.000Z') / 1000 + RETENTION_SECONDS);
    expect(item.stamp).toEqual({ actor_type: 'system', actor_id: 'bootstrap', op: 'create', at: stamp.at });
  });

  it('is refused on read when it is not a token', () => {
    const item = stored(recordToItem(record, stamp, RETENTION_SECONDS));
    const { secret_hash: _hash, ...hashless } = item;
    expect(() => itemToCredential(hashless)).toThrow();
    expect(() => itemToRecord({ ...item, scopes: [{ scope: 42 }] })).toThrow();
    expect(() => itemToRecord({ ...item, scopes: 'repos:read' })).toThrow();
  });

  it('keeps a scope the catalogue no longer holds, as stored (it grants nothing, but shows)', () => {
    const item = stored(recordToItem(record, stamp, RETENTION_SECONDS));
    const gone = { ...item, scopes: [{ scope: 'gone:read', resources: null }] };
    expect(itemToRecord(gone).scopes).toEqual([{ scope: 'gone:read', resources: null }]);
    expect(itemToCredential(gone).scopes).toEqual([{ scope: 'gone:read', resources: null }]);
  });
});

describe('a stream image of the token item', () => {
  const image = (item: Record<string, unknown>) => imageToTokenImage(item, 'e1', 'newImage');

  it('decodes to what the audit trail reads, the stamp as who, what and when, and drops the rest', () => {
    const decoded = image(stored(recordToItem(record, stamp, RETENTION_SECONDS)));

    expect(decoded).toEqual({
      id: record.id,
      kind: 'user',
      description: 'CI deploys',
      userEmail: 'ci@example.com',
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      revokedAt: null,
      stamp,
    });
    expect(JSON.stringify(decoded)).not.toMatch(new RegExp(`${SECRET_HASH}|k7|tg_Tok3n|search|_sk|list_pk`));
  });

  it('carries the rotation links when the item has them, and a rotate stamp', () => {
    const rotated = { ...record, rotatedFrom: 'OldToken00000001', rotatedTo: 'NewToken00000001' };
    const rotateStamp: Stamp = { ...stamp, op: 'rotate' };
    expect(image(stored(recordToItem(rotated, rotateStamp, RETENTION_SECONDS)))).toMatchObject({
      rotatedFrom: 'OldToken00000001',
      rotatedTo: 'NewToken00000001',
      stamp: rotateStamp,
    });
  });

  it('is read leniently: an item written by hand, a scope since left out of the catalogue', () => {
    expect(image({ id: record.id, scopes: [{ scope: 'old:scope' }] })).toEqual({
      id: record.id,
      userEmail: null,
      scopes: [{ scope: 'old:scope', resources: null }],
      expiresAt: null,
      revokedAt: null,
    });
  });

  it('is refused, naming the record and the attribute, when it is not a token', () => {
    expect(() => image({ id: '' })).toThrow(
      new ValidationError('Stream record e1: newImage.id is not a token attribute: empty', 'newImage'),
    );
    expect(() => image({ id: record.id, revoked_at: 7 })).toThrow(
      'Stream record e1: newImage.revoked_at is not a token attribute: expected string',
    );
    expect(() =>
      image({ id: record.id, stamp: { ...recordToItem(record, stamp, 0).stamp, at: 'now' } }),
    ).toThrow('Stream record e1: newImage.stamp.at is not a token attribute: not an ISO 8601 time');
  });
});
