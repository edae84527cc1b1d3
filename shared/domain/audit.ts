// The audit trail's model: what an audit event is, and the one function that turns a change on the
// tokens table's stream into an event (or into nothing). Every writer of the tokens table puts a
// stamp (who, what, when) on the item it writes (shared/adapters/token-item.ts), so the change itself
// says who made it. No AWS event types and no item attributes here: the consumer decodes the images
// through the item codec first.
import { BOOTSTRAP_CLAIM_ID } from '#spec/tables';
import { ValidationError } from './errors';
import type { Actor } from './token';
import type { ListPage, Stamp } from './token-store';

export const AUDIT_EVENT_TYPES = [
  'token.created',
  'token.revoked',
  'token.updated',
  'token.rotated',
  'token.expiring',
  'token.expired',
  'token.deleted',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** What `details` may hold: descriptive fields only, never the hash, the key id or the token. */
export interface AuditDetails {
  kind?: string;
  description?: string;
  user_email?: string | null;
  scopes?: { scope: string; resources: string[] | null }[];
  expires_at?: string | null;
  revoked_at?: string | null;
  /** `token.rotated`: the token that replaced this one. */
  rotated_to?: string;
  /** `token.created` of a token made by a rotation: the token it replaced. */
  rotated_from?: string;
  /**
   * `token.revoked` of a token revoked with an ancestor in the token tree (a token it was
   * self-rotated from, at any depth): that ancestor's id.
   */
  revoked_with?: string;
  /** `token.updated`: each changed field, before and after. */
  changes?: Record<string, { old: unknown; new: unknown }>;
}

/** An audit event as the API returns it. */
export interface AuditEvent {
  /** The id of the stream record the event came from: the same change always gives the same id. */
  id: string;
  time: string;
  type: AuditEventType;
  token_id: string;
  actor: Actor;
  details: AuditDetails;
}

/**
 * A token as the audit trail reads it from an image of the tokens table's stream: the fields it
 * reports, and the stamp its writer put on it. Decoded from the item by shared/adapters/token-item.ts;
 * kind, description and scopes are absent from an item written by hand without them.
 */
export interface TokenImage {
  id: string;
  kind?: string;
  description?: string;
  userEmail: string | null;
  /** Any scope name, even one since left out of the catalogue: the trail reports what was granted. */
  scopes?: { scope: string; resources: string[] | null }[];
  expiresAt: string | null;
  revokedAt: string | null;
  /** The rotation links (absent or null: none). */
  rotatedFrom?: string | null;
  rotatedTo?: string | null;
  /** Who made the change that left the item so, and when; absent on an item written by hand. */
  stamp?: Stamp;
  /** The `expires_at` the expiry-warning scan warned about (shared/domain/expiry-warning.ts), if any. */
  expiryWarnedFor?: string | null;
}

/** One change of the tokens table, as its stream tells it, with the images already decoded. */
export interface StreamChange {
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When DynamoDB made the change (the stream's approximate time). */
  approximateTime: Date;
  oldImage?: TokenImage | undefined;
  newImage?: TokenImage | undefined;
  /** Set by DynamoDB on its own deletions: `{type: 'Service', principalId: 'dynamodb.amazonaws.com'}` for TTL. */
  userIdentity?: { type?: string | undefined; principalId?: string | undefined } | undefined;
}

/** Who removed an item whose TTL had passed. */
export const TTL_ACTOR: Actor = { type: 'system', id: 'dynamodb-ttl' };
/** Who changed an item without a tokengate stamp (by hand, outside tokengate): nobody we can name. */
export const UNATTRIBUTED_ACTOR: Actor = { type: 'system', id: 'unknown' };

/** The fields a `token.updated` event reports changes of: each by its name in the event, and in the image. */
const TRACKED_FIELDS = {
  kind: 'kind',
  description: 'description',
  user_email: 'userEmail',
  scopes: 'scopes',
  expires_at: 'expiresAt',
  revoked_at: 'revokedAt',
} as const satisfies { [Name in keyof AuditDetails]?: keyof TokenImage };

function imageOf(change: StreamChange, which: 'oldImage' | 'newImage'): TokenImage {
  const found = change[which];
  if (!found) throw new ValidationError(`Stream record ${change.eventId} has no ${which}`, which);
  return found;
}

const isoTime = (time: string | Date): string => new Date(time).toISOString();

function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return a?.actor.type === b?.actor.type && a?.actor.id === b?.actor.id && a?.op === b?.op && a?.at === b?.at;
}

/** Deep equality of plain values from an image (strings, numbers, arrays, maps). */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function summary(image: TokenImage): AuditDetails {
  return {
    ...(image.kind !== undefined && { kind: image.kind }),
    ...(image.description !== undefined && { description: image.description }),
  };
}

function changesBetween(before: TokenImage, after: TokenImage): NonNullable<AuditDetails['changes']> {
  const changes: NonNullable<AuditDetails['changes']> = {};
  for (const [name, field] of Object.entries(TRACKED_FIELDS)) {
    if (!sameValue(before[field], after[field])) {
      changes[name] = { old: before[field] ?? null, new: after[field] ?? null };
    }
  }
  return changes;
}

function event(
  change: StreamChange,
  type: AuditEventType,
  image: TokenImage,
  by: { actor: Actor; time: string | Date },
  details: AuditDetails,
): AuditEvent {
  return { id: change.eventId, time: isoTime(by.time), type, token_id: image.id, actor: by.actor, details };
}

/** Who made a change and when: the writer's stamp if it put a new one, otherwise nobody we know. */
function attribution(change: StreamChange, stamp: Stamp | undefined) {
  return stamp
    ? { actor: stamp.actor, time: stamp.at }
    : { actor: UNATTRIBUTED_ACTOR, time: change.approximateTime };
}

function isTtlRemoval(change: StreamChange): boolean {
  return (
    change.userIdentity?.type === 'Service' && change.userIdentity.principalId === 'dynamodb.amazonaws.com'
  );
}

function fromInsert(change: StreamChange): AuditEvent {
  const image = imageOf(change, 'newImage');
  return event(change, 'token.created', image, attribution(change, image.stamp), {
    ...summary(image),
    user_email: image.userEmail,
    scopes: image.scopes ?? [],
    expires_at: image.expiresAt,
    ...(image.rotatedFrom && { rotated_from: image.rotatedFrom }),
  });
}

function fromModify(change: StreamChange): AuditEvent | null {
  const before = imageOf(change, 'oldImage');
  const after = imageOf(change, 'newImage');
  const restamped = !sameStamp(before.stamp, after.stamp);
  // A delete stamps the item just before removing it; the REMOVE that follows is the event.
  if (restamped && after.stamp?.op === 'delete') return null;
  const by = attribution(change, restamped ? after.stamp : undefined);
  // The expiry-warning scan records each warning once per expiry date, with a conditional write.
  const warnedFor = after.expiryWarnedFor ?? null;
  if (warnedFor !== null && warnedFor !== (before.expiryWarnedFor ?? null)) {
    return event(change, 'token.expiring', after, by, {
      ...summary(after),
      user_email: after.userEmail,
      expires_at: warnedFor,
    });
  }
  if (before.revokedAt === null && after.revokedAt !== null) {
    return event(change, 'token.revoked', after, by, {
      ...summary(after),
      revoked_at: after.revokedAt,
      ...(restamped && after.stamp?.revokedWith && { revoked_with: after.stamp.revokedWith }),
    });
  }
  // A rotation links the old token to its successor (a crash recovery relinks it to another one).
  if (after.rotatedTo && after.rotatedTo !== before.rotatedTo) {
    return event(change, 'token.rotated', after, by, {
      ...summary(after),
      rotated_to: after.rotatedTo,
      expires_at: after.expiresAt,
    });
  }
  const changes = changesBetween(before, after);
  // Nothing the trail reports changed: a `last_used_at` touch, or a write that set what was there.
  if (Object.keys(changes).length === 0) return null;
  return event(change, 'token.updated', after, by, { ...summary(after), changes });
}

function fromRemove(change: StreamChange): AuditEvent {
  const image = imageOf(change, 'oldImage');
  const details = { ...summary(image), expires_at: image.expiresAt, revoked_at: image.revokedAt };
  if (isTtlRemoval(change)) {
    return event(change, 'token.expired', image, { actor: TTL_ACTOR, time: change.approximateTime }, details);
  }
  // tokengate stamps an item with op `delete` before deleting it; any other removal was made by hand.
  const stamp = image.stamp?.op === 'delete' ? image.stamp : undefined;
  return event(change, 'token.deleted', image, attribution(change, stamp), details);
}

/**
 * The audit event a change of the tokens table makes, or null for a change that is not one (a
 * `last_used_at` touch, the stamp a delete puts on just before its REMOVE, the bootstrap claim). Throws ValidationError
 * for a record that does not describe a token: such a record must fail, not vanish.
 */
export function auditEventOf(change: StreamChange): AuditEvent | null {
  // The bootstrap claim is not a token; the admin token written with it makes its own event.
  if ((change.newImage ?? change.oldImage)?.id === BOOTSTRAP_CLAIM_ID) return null;
  switch (change.eventName) {
    case 'INSERT':
      return fromInsert(change);
    case 'MODIFY':
      return fromModify(change);
    case 'REMOVE':
      return fromRemove(change);
    default:
      throw new ValidationError(`Stream record ${change.eventId} has an unknown event name`, 'eventName');
  }
}

/** The filters of `GET /v1/audit`; the store answers newest first. */
export interface AuditQuery {
  tokenId?: string | undefined;
  /** A principal: `token:<id>`, `iam:<arn>` or `system:<name>`. */
  actor?: string | undefined;
  type?: AuditEventType | undefined;
  /** Events at or after this time (RFC 3339, UTC, milliseconds). */
  since?: string | undefined;
  /** Events before this time. */
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface AuditStore {
  /**
   * Idempotent on the event id: recording an event again is a success that changes nothing.
   * `streamSequence` (the record's sequence number) orders events of the same time the way the
   * stream does: a delete's revoke and delete share one time, and one token's changes one shard.
   */
  record(event: AuditEvent, streamSequence?: string): Promise<'recorded' | 'duplicate'>;
  list(query: AuditQuery): Promise<ListPage<AuditEvent>>;
}
