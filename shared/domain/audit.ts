// The audit trail's model: what an audit event is, and the one function that turns a change on the
// tokens table's stream into an event (or into nothing). Every writer of the tokens table puts a
// `stamp` {actor_type, actor_id, op, at} on the item it writes (shared/adapters/dynamo-token-store.ts), so the
// change itself says who made it. No AWS event types here: the consumer unmarshals the record first.
import { z } from 'zod';
import { BOOTSTRAP_CLAIM_ID } from '#spec/tables';
import { ValidationError } from './errors';
import type { Actor } from './token';
import type { ListPage } from './token-store';

export const AUDIT_EVENT_TYPES = [
  'token.created',
  'token.revoked',
  'token.updated',
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
  /** `token.updated`: each changed field, before and after. */
  changes?: Record<string, { old: unknown; new: unknown }>;
}

/** CONTRACT section 4. */
export interface AuditEvent {
  /** The id of the stream record the event came from: the same change always gives the same id. */
  id: string;
  time: string;
  type: AuditEventType;
  token_id: string;
  actor: Actor;
  details: AuditDetails;
}

/** One change of the tokens table, as its stream tells it, with the images already unmarshalled. */
export interface StreamChange {
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When DynamoDB made the change (the stream's approximate time). */
  approximateTime: Date;
  oldImage?: Record<string, unknown> | undefined;
  newImage?: Record<string, unknown> | undefined;
  /** Set by DynamoDB on its own deletions: `{type: 'Service', principalId: 'dynamodb.amazonaws.com'}` for TTL. */
  userIdentity?: { type?: string | undefined; principalId?: string | undefined } | undefined;
}

/** Who removed an item whose TTL had passed. */
export const TTL_ACTOR: Actor = { type: 'system', id: 'dynamodb-ttl' };
/** Who changed an item without a tokengate stamp (by hand, outside tokengate): nobody we can name. */
export const UNATTRIBUTED_ACTOR: Actor = { type: 'system', id: 'unknown' };

const stampSchema = z.object({
  actor_type: z.enum(['token', 'iam', 'system']),
  actor_id: z.string().min(1),
  op: z.enum(['create', 'revoke', 'update', 'delete']),
  at: z.iso.datetime({ offset: true }),
});

type Stamp = z.output<typeof stampSchema>;

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** The attributes of a token item that the audit trail reads; all others (the hash among them) are dropped. */
const tokenImageSchema = z.object({
  id: z.string().min(1),
  kind: z.string().optional(),
  description: z.string().optional(),
  user_email: optionalString,
  scopes: z
    .array(
      z.object({
        scope: z.string(),
        resources: z
          .array(z.string())
          .nullish()
          .transform((value) => value ?? null),
      }),
    )
    .optional(),
  expires_at: optionalString,
  revoked_at: optionalString,
  stamp: stampSchema.optional(),
});

type TokenImage = z.output<typeof tokenImageSchema>;

/** The fields a `token.updated` event reports changes of. */
const TRACKED_FIELDS = ['kind', 'description', 'user_email', 'scopes', 'expires_at', 'revoked_at'] as const;

function parseImage(change: StreamChange, which: 'oldImage' | 'newImage'): TokenImage {
  const image = change[which];
  if (!image) throw new ValidationError(`Stream record ${change.eventId} has no ${which}`, which);
  const parsed = tokenImageSchema.safeParse(image);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || which;
    throw new ValidationError(
      `Stream record ${change.eventId}: ${which}.${field} is not a token attribute: ${issue?.message}`,
      which,
    );
  }
  return parsed.data;
}

const actorOf = (stamp: Stamp): Actor => ({ type: stamp.actor_type, id: stamp.actor_id });
const isoTime = (time: string | Date): string => new Date(time).toISOString();

function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return a?.actor_type === b?.actor_type && a?.actor_id === b?.actor_id && a?.op === b?.op && a?.at === b?.at;
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
  for (const field of TRACKED_FIELDS) {
    if (!sameValue(before[field], after[field])) {
      changes[field] = { old: before[field] ?? null, new: after[field] ?? null };
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
    ? { actor: actorOf(stamp), time: stamp.at }
    : { actor: UNATTRIBUTED_ACTOR, time: change.approximateTime };
}

function isTtlRemoval(change: StreamChange): boolean {
  return (
    change.userIdentity?.type === 'Service' && change.userIdentity.principalId === 'dynamodb.amazonaws.com'
  );
}

function fromInsert(change: StreamChange): AuditEvent {
  const image = parseImage(change, 'newImage');
  return event(change, 'token.created', image, attribution(change, image.stamp), {
    ...summary(image),
    user_email: image.user_email,
    scopes: image.scopes ?? [],
    expires_at: image.expires_at,
  });
}

function fromModify(change: StreamChange): AuditEvent | null {
  const before = parseImage(change, 'oldImage');
  const after = parseImage(change, 'newImage');
  const restamped = !sameStamp(before.stamp, after.stamp);
  // A delete stamps the item just before removing it; the REMOVE that follows is the event.
  if (restamped && after.stamp?.op === 'delete') return null;
  const by = attribution(change, restamped ? after.stamp : undefined);
  if (before.revoked_at === null && after.revoked_at !== null) {
    return event(change, 'token.revoked', after, by, { ...summary(after), revoked_at: after.revoked_at });
  }
  const changes = changesBetween(before, after);
  // Nothing the trail reports changed: a `last_used_at` touch, or a write that set what was there.
  if (Object.keys(changes).length === 0) return null;
  return event(change, 'token.updated', after, by, { ...summary(after), changes });
}

function fromRemove(change: StreamChange): AuditEvent {
  const image = parseImage(change, 'oldImage');
  const details = { ...summary(image), expires_at: image.expires_at, revoked_at: image.revoked_at };
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
