// The DynamoDB tables, defined once. The CDK stack, the local stack and the tests all build their
// tables from these definitions, so what runs locally is what runs in AWS.
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
}

export interface TableDefinition {
  /** The logical name: CDK construct id, and the table name's suffix locally. */
  id: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Epoch seconds after which DynamoDB may delete the item. Nothing relies on it having done so. */
  ttlAttribute: string;
  stream: 'NEW_AND_OLD_IMAGES' | null;
  indexes: IndexDefinition[];
}

/** The tokens table's list indexes: the stores name them, and their keys, from here. */
export const TOKEN_INDEXES = {
  byCreated: {
    name: 'by_created',
    partitionKey: { name: 'list_pk', type: 'S' },
    sortKey: { name: 'created_sk', type: 'S' },
  },
  byName: {
    name: 'by_name',
    partitionKey: { name: 'list_pk', type: 'S' },
    sortKey: { name: 'name_sk', type: 'S' },
  },
  /**
   * Tokens by expiry, for the expiry-warning scan: sparse, as only items with an `expires_at` are in
   * it (the bootstrap claim has no `list_pk`), and keyed on attributes every token item already
   * has, so DynamoDB fills it from existing items when it is added to a table.
   */
  byExpiry: {
    name: 'by_expiry',
    partitionKey: { name: 'list_pk', type: 'S' },
    sortKey: { name: 'expires_at', type: 'S' },
  },
} as const satisfies Record<string, IndexDefinition>;

/**
 * Tokens, one item per token, keyed by the token id the token string carries, so the authorizer
 * needs one GetItem. The list indexes hold every token in one partition (`list_pk`), sorted with the
 * live ones (`A#`) before the revoked ones (`R#`), by creation time or by name.
 */
export const TOKENS_TABLE: TableDefinition = {
  id: 'Tokens',
  partitionKey: { name: 'id', type: 'S' },
  ttlAttribute: 'ttl',
  stream: 'NEW_AND_OLD_IMAGES',
  indexes: [TOKEN_INDEXES.byCreated, TOKEN_INDEXES.byName, TOKEN_INDEXES.byExpiry],
};

/** Each name as its own value, so that a name is written once and every use is checked against it. */
const attributeNames = <const Name extends string>(...names: Name[]) =>
  Object.fromEntries(names.map((name) => [name, name])) as { readonly [N in Name]: N };

/**
 * The top-level attributes of a token item (shared/adapters/token-item.ts encodes them, the key and the
 * index keys of `TOKENS_TABLE` among them). The functions' UpdateItem grants name theirs from here.
 */
export const TOKEN_ATTRIBUTES = attributeNames(
  'id',
  'kind',
  'description',
  'user_email',
  'scopes',
  'scope_names',
  'created_at',
  'created_by',
  // What a person reads for `created_by` (the creating token's description), kept when the token is made.
  'created_by_name',
  'expires_at',
  'revoked_at',
  'revoked_by',
  'last_used_at',
  'hint',
  'rotated_from',
  'rotated_to',
  'search_text',
  'secret_hash',
  'key_id',
  'ttl',
  'list_pk',
  'created_sk',
  'name_sk',
  'stamp',
  // The expiry-warning scan (shared/domain/expiry-warning.ts): the `expires_at` it warned about (the
  // audit trail's `token.expiring`), and the one it put on the event bus.
  'expiry_warned_for',
  'expiry_published_for',
);

export type TokenAttribute = keyof typeof TOKEN_ATTRIBUTES;

/**
 * The attributes of an audit item (shared/adapters/dynamo-audit-store.ts writes them), the key, the
 * TTL and the index keys of `AUDIT_TABLE` among them, which are named from here.
 */
export const AUDIT_ATTRIBUTES = attributeNames(
  'id',
  'time',
  'type',
  'token_id',
  'actor_type',
  'actor_id',
  'actor_key',
  'details',
  'time_sk',
  'all_pk',
  'ttl',
);

export type AuditAttribute = keyof typeof AUDIT_ATTRIBUTES;

/** A string key attribute of the audit table, named from the catalogue. */
const auditKey = <Name extends AuditAttribute>(name: Name) =>
  ({ name: AUDIT_ATTRIBUTES[name], type: 'S' }) as const;

/** The audit table's indexes, one per filter; every one sorts on `time_sk`. */
export const AUDIT_INDEXES = {
  byToken: { name: 'by_token', partitionKey: auditKey('token_id'), sortKey: auditKey('time_sk') },
  byActor: { name: 'by_actor', partitionKey: auditKey('actor_key'), sortKey: auditKey('time_sk') },
  byType: { name: 'by_type', partitionKey: auditKey('type'), sortKey: auditKey('time_sk') },
  byTime: { name: 'by_time', partitionKey: auditKey('all_pk'), sortKey: auditKey('time_sk') },
} as const satisfies Record<string, IndexDefinition>;

/**
 * The audit trail, one item per event, keyed by the event id (the id of the tokens table's stream
 * record it came from), so a replayed record is a conditional put that finds its item already there.
 * Each index answers one filter, newest first: events of a token, of an actor (`token:<id>`,
 * `iam:<arn>`, `system:<name>`), of a type, or all of them (`all_pk`, one partition: audit events
 * come only from token writes, far below a partition's 1,000 writes a second). Every sort key is
 * `<time>#<stream sequence>#<id>`, so a time range is a key condition, and events of the same time
 * keep the stream's order.
 */
export const AUDIT_TABLE: TableDefinition = {
  id: 'Audit',
  partitionKey: auditKey('id'),
  ttlAttribute: AUDIT_ATTRIBUTES.ttl,
  stream: null,
  indexes: Object.values(AUDIT_INDEXES),
};

/** The attributes of a search posting (shared/adapters/dynamo-token-search.ts writes them). */
export const SEARCH_ATTRIBUTES = attributeNames('trigram', 'id', 'ttl');

/**
 * The search index of `q` (a substring of the description or the user email):
 * one posting `{trigram, id}` per distinct trigram (three code points) of each token's lower-cased
 * description and email, kept by the token store as it writes tokens, so a search reads the postings
 * of its query's rarest trigrams rather than every token. A posting only says "may match": a search
 * re-reads its candidates and checks them, so a stale posting costs a read, never a wrong answer.
 * A posting carries its token's `ttl` as written, which is never earlier than the token's own.
 */
export const SEARCH_TABLE: TableDefinition = {
  id: 'TokenSearch',
  partitionKey: { name: SEARCH_ATTRIBUTES.trigram, type: 'S' },
  sortKey: { name: SEARCH_ATTRIBUTES.id, type: 'S' },
  ttlAttribute: SEARCH_ATTRIBUTES.ttl,
  stream: null,
  indexes: [],
};

/** The attributes of a usage item (shared/adapters/dynamo-usage-store.ts writes them). */
export const USAGE_ATTRIBUTES = attributeNames('token_id', 'date', 'requests', 'denied', 'ttl');

export type UsageAttribute = keyof typeof USAGE_ATTRIBUTES;

/**
 * Per-token usage counted from the access log: one item per token and UTC day (`date`,
 * `YYYY-MM-DD`) with its `requests` and `denied` counters, which each batch of access-log events adds
 * to once, and which TTL removes 90 days after their day. Beside them, one marker item per batch
 * applied (`token_id` `#batch:<batch id>`: `#` is never in a token id), written in the same
 * transaction as the batch's counters on condition that it is absent, so a batch delivered twice is
 * counted once.
 */
export const USAGE_TABLE: TableDefinition = {
  id: 'Usage',
  partitionKey: { name: USAGE_ATTRIBUTES.token_id, type: 'S' },
  sortKey: { name: USAGE_ATTRIBUTES.date, type: 'S' },
  ttlAttribute: USAGE_ATTRIBUTES.ttl,
  stream: null,
  indexes: [],
};

export const TABLES: readonly TableDefinition[] = [TOKENS_TABLE, AUDIT_TABLE, SEARCH_TABLE, USAGE_TABLE];

/**
 * The one item of the tokens table that is not a token: the bootstrap claim, `{id, admin_id, at}`,
 * naming the token the last `tokengate bootstrap` made. Bootstrap writes it in the same transaction as
 * the admin token, on condition that it is absent or names a token that no longer works, so two
 * bootstraps can never both win. Its id can never be a token id (`#` is not base62), it has no
 * `list_pk`, so no list index holds it, and the audit trail passes over its changes.
 */
export const BOOTSTRAP_CLAIM_ID = '#bootstrap';

/**
 * Tag on the tokens table naming the Secrets Manager secret with the HMAC key ring, so that
 * `tokengate bootstrap --table NAME` finds the key from the table alone.
 */
export const KEY_SECRET_TAG = 'tokengate:key-secret';
