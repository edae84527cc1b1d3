// The token item: how a token is written to the tokens table and read back, by the token store, by the
// authorizer's credential store, and by the audit trail from the table's stream. Every top-level name
// is one of TOKEN_ATTRIBUTES (shared/spec/tables.ts), checked at compile time.
//
// Items are checked when read, with zod's tree-shakable build: the authorizer reads credentials on
// every uncached check, and the full build would be most of its bundle (bench/bundles.ts). The schemas
// the authorizer does not read through are each built in a `@__PURE__` function call, which a bundle
// that never uses them leaves out (esbuild cannot tell that zod's own calls are free of side effects).
import * as z from 'zod/mini';
import type { TokenImage } from '#domain/audit';
import { ValidationError } from '#domain/errors';
import type { ExpiringToken } from '#domain/expiry-warning';
import type { TokenRecord } from '#domain/token';
import type { Credential, Stamp } from '#domain/token-store';
import type { TokenAttribute } from '#spec/tables';

/** The value of `list_pk`: the list indexes hold every token in this one partition. */
export const LIST_PARTITION = 'tokens';

/** A token item's attributes, by name: a name that is not a token attribute fails to compile. */
type ItemOf<Value> = { readonly [Name in TokenAttribute]?: Value };

const optionalString = z.optional(z.string());

const grantsSchema = z.array(
  z.object({
    // As stored: a scope the catalogue has since lost still decodes (and grants nothing).
    scope: z.string(),
    resources: z.optional(z.nullable(z.array(z.string()))),
  }),
);

const credentialShape = {
  id: z.string(),
  kind: z.enum(['service', 'user']),
  scopes: grantsSchema,
  expires_at: optionalString,
  revoked_at: optionalString,
  last_used_at: optionalString,
  secret_hash: z.string(),
  key_id: z.string(),
} satisfies ItemOf<z.ZodMiniType>;

const credentialSchema = z.object(credentialShape);

const recordSchema = /* @__PURE__ */ (() =>
  z.extend(credentialSchema, {
    description: z.string(),
    user_email: optionalString,
    created_at: z.string(),
    created_by: z.string(),
    created_by_name: optionalString,
    revoked_by: optionalString,
    hint: z.string(),
    rotated_from: optionalString,
    rotated_to: optionalString,
  } satisfies ItemOf<z.ZodMiniType>))();

/**
 * What the audit trail reads of a stream image, leniently (a scope since left out of the catalogue,
 * a change made by hand): every other attribute, the hash among them, is dropped. The `stamp` is the
 * map every writer puts on the item it writes: who, what and when.
 */
const imageSchema = /* @__PURE__ */ (() => {
  const nullableString = z.nullish(z.string());
  const stamp = z.object({
    actor_type: z.enum(['token', 'user', 'iam', 'system']),
    actor_id: z.string().check(z.minLength(1)),
    op: z.enum(['create', 'revoke', 'update', 'delete', 'rotate']),
    at: z.iso.datetime({ offset: true }),
    revoked_with: z.optional(z.string().check(z.minLength(1))),
  });
  return z.object({
    id: z.string().check(z.minLength(1)),
    kind: optionalString,
    description: optionalString,
    user_email: nullableString,
    scopes: z.optional(z.array(z.object({ scope: z.string(), resources: z.nullish(z.array(z.string())) }))),
    expires_at: nullableString,
    revoked_at: nullableString,
    rotated_from: nullableString,
    rotated_to: nullableString,
    stamp: z.optional(stamp),
    expiry_warned_for: nullableString,
  } satisfies ItemOf<z.ZodMiniType>);
})();

/** What the expiry-warning scan reads of a token (shared/domain/expiry-warning.ts). */
const expiringShape = /* @__PURE__ */ (() => ({
  id: z.string(),
  kind: z.enum(['service', 'user']),
  description: z.string(),
  user_email: optionalString,
  expires_at: z.string(),
  revoked_at: optionalString,
  expiry_warned_for: optionalString,
  expiry_published_for: optionalString,
  rotated_to: optionalString,
}))() satisfies ItemOf<z.ZodMiniType>;

const expiringSchema = /* @__PURE__ */ (() => z.object(expiringShape))();

/** The attributes the expiry-warning scan reads (its Query projects them: never the hash). */
export const EXPIRING_TOKEN_ATTRIBUTES = Object.keys(expiringShape) as TokenAttribute[];

/** Fails with a zod error if the item is not a token with an expiry. */
export function itemToExpiringToken(item: Record<string, unknown>): ExpiringToken {
  const row = expiringSchema.parse(item);
  return {
    id: row.id,
    kind: row.kind,
    description: row.description,
    userEmail: row.user_email ?? null,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at ?? null,
    warnedFor: row.expiry_warned_for ?? null,
    publishedFor: row.expiry_published_for ?? null,
    rotatedTo: row.rotated_to ?? null,
  };
}

/** The attributes a Credential is read from (the leaked-token endpoint's batch reads project them). */
export const CREDENTIAL_ATTRIBUTES = Object.keys(credentialShape) as TokenAttribute[];

const grantsOf = (scopes: z.output<typeof grantsSchema>) =>
  scopes.map(({ scope, resources }) => ({ scope, resources: resources ?? null }));

/** Fails with a zod error if the item is not a token. */
export function itemToCredential(item: Record<string, unknown>): Credential {
  const row = credentialSchema.parse(item);
  return {
    id: row.id,
    kind: row.kind,
    scopes: grantsOf(row.scopes),
    expiresAt: row.expires_at ?? null,
    revokedAt: row.revoked_at ?? null,
    lastUsedAt: row.last_used_at ?? null,
    hash: { hash: row.secret_hash, keyId: row.key_id },
  };
}

/** Fails with a zod error if the item is not a token. */
export function itemToRecord(item: Record<string, unknown>): TokenRecord {
  const row = recordSchema.parse(item);
  return {
    id: row.id,
    kind: row.kind,
    description: row.description,
    userEmail: row.user_email ?? null,
    scopes: grantsOf(row.scopes),
    createdAt: row.created_at,
    createdBy: row.created_by,
    createdByName: row.created_by_name ?? null,
    expiresAt: row.expires_at ?? null,
    revokedAt: row.revoked_at ?? null,
    revokedBy: row.revoked_by ?? null,
    lastUsedAt: row.last_used_at ?? null,
    hint: row.hint,
    hash: { hash: row.secret_hash, keyId: row.key_id },
    rotatedFrom: row.rotated_from ?? null,
    rotatedTo: row.rotated_to ?? null,
  };
}

/** What `q` searches: description and user email, lower-cased (shared/adapters/dynamo-token-lister.ts). */
export function searchText(record: Pick<TokenRecord, 'description' | 'userEmail'>): string {
  return [record.description, record.userEmail ?? ''].join('\n').toLowerCase();
}

export function stampToItem(stamp: Stamp) {
  return {
    actor_type: stamp.actor.type,
    actor_id: stamp.actor.id,
    op: stamp.op,
    at: stamp.at,
    ...(stamp.revokedWith !== undefined && { revoked_with: stamp.revokedWith }),
  };
}

/** The `ttl` of an item that stops working at `iso`: DynamoDB may delete it the retention period later. */
export function ttlAfter(iso: string, retentionSeconds: number): number {
  return Math.floor(Date.parse(iso) / 1000) + retentionSeconds;
}

/**
 * Ends the name in a name index key. It sorts below every character the name part holds, so a name
 * comes before the longer names it begins (`deploy` before `deploy prod`, whatever the ids).
 */
const NAME_END = '\u001f';

/** A description as the name index sorts it: lower-cased, control characters left out, 200 at most. */
function nameKey(description: string): string {
  return Array.from(description.toLowerCase())
    .filter((character) => character > NAME_END)
    .slice(0, 200)
    .join('');
}

/** The list indexes' sort keys: live tokens under `A#`, revoked ones under `R#`. */
export function sortKeys(record: Pick<TokenRecord, 'id' | 'createdAt' | 'description'>, state: 'A' | 'R') {
  return {
    created_sk: `${state}#${record.createdAt}#${record.id}`,
    name_sk: `${state}#${nameKey(record.description)}${NAME_END}${record.id}`,
  } satisfies ItemOf<string>;
}

/** The item a new token is written as (absent values are left out by the document client). */
export function recordToItem(record: TokenRecord, stamp: Stamp, retentionSeconds: number) {
  return {
    id: record.id,
    kind: record.kind,
    description: record.description,
    user_email: record.userEmail ?? undefined,
    scopes: record.scopes.map(({ scope, resources }) => ({ scope, resources: resources ?? undefined })),
    scope_names: new Set(record.scopes.map((grant) => grant.scope)),
    created_at: record.createdAt,
    created_by: record.createdBy,
    created_by_name: record.createdByName ?? undefined,
    expires_at: record.expiresAt ?? undefined,
    hint: record.hint,
    rotated_from: record.rotatedFrom ?? undefined,
    rotated_to: record.rotatedTo ?? undefined,
    search_text: searchText(record),
    secret_hash: record.hash.hash,
    key_id: record.hash.keyId,
    ttl: record.expiresAt ? ttlAfter(record.expiresAt, retentionSeconds) : undefined,
    list_pk: LIST_PARTITION,
    ...sortKeys(record, 'A'),
    stamp: stampToItem(stamp),
  } satisfies ItemOf<unknown>;
}

/** Why a value failed its schema, in words (zod's tree-shakable build carries no messages). */
function reason(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_format':
      return `not an ${issue.format === 'datetime' ? 'ISO 8601 time' : issue.format}`;
    case 'invalid_value':
      return `not one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return 'empty';
    default:
      return issue.code;
  }
}

/**
 * A token item from the tokens table's stream (its image unmarshalled) as the audit trail reads it.
 * Throws ValidationError, naming the record and the attribute, for an image that is not a token's:
 * that record must fail, not vanish.
 */
export function imageToTokenImage(
  image: Record<string, unknown>,
  recordId: string,
  which: 'oldImage' | 'newImage',
): TokenImage {
  const parsed = imageSchema.safeParse(image);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || which;
    throw new ValidationError(
      `Stream record ${recordId}: ${which}.${field} is not a token attribute: ${issue ? reason(issue) : 'invalid'}`,
      which,
    );
  }
  const { data } = parsed;
  return {
    id: data.id,
    ...(data.kind !== undefined && { kind: data.kind }),
    ...(data.description !== undefined && { description: data.description }),
    userEmail: data.user_email ?? null,
    ...(data.scopes !== undefined && {
      scopes: data.scopes.map(({ scope, resources }) => ({ scope, resources: resources ?? null })),
    }),
    expiresAt: data.expires_at ?? null,
    revokedAt: data.revoked_at ?? null,
    ...(data.rotated_from != null && { rotatedFrom: data.rotated_from }),
    ...(data.rotated_to != null && { rotatedTo: data.rotated_to }),
    ...(data.stamp !== undefined && {
      stamp: {
        actor: { type: data.stamp.actor_type, id: data.stamp.actor_id },
        op: data.stamp.op,
        at: data.stamp.at,
        ...(data.stamp.revoked_with !== undefined && { revokedWith: data.stamp.revoked_with }),
      },
    }),
    ...(data.expiry_warned_for != null && { expiryWarnedFor: data.expiry_warned_for }),
  };
}
