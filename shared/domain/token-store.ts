// The token store's interface: the domain speaks to this, and one file implements it on DynamoDB.
import type { Actor, TokenKind, TokenRecord, TokenStatus } from './token';

export type ListSort = 'newest' | 'oldest' | 'name_asc' | 'name_desc';
export type ExpirationFilter = 'never' | 'has_expiration' | 'expired';

export interface ListQuery {
  status?: TokenStatus | undefined;
  expiration?: ExpirationFilter | undefined;
  /** Case-insensitive substring of the description or the user email (never the id). */
  q?: string | undefined;
  kind?: TokenKind | undefined;
  sort: ListSort;
  limit: number;
  cursor?: string | undefined;
}

export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every write carries one, so the audit stream can say who did what. */
/** What an edit changes: only the fields it gives (`userEmail: null` clears the email). */
export interface TokenChanges {
  userEmail?: string | null;
  description?: string;
}

export interface Stamp {
  actor: Actor;
  op: 'create' | 'revoke' | 'update' | 'delete' | 'rotate';
  at: string;
  /**
   * A revocation that follows the token tree: the ancestor whose revocation (or deletion) revoked this
   * token, its descendant. The audit trail reports it as `details.revoked_with`.
   */
  revokedWith?: string | undefined;
}

/** What the authorizer needs of a token, and nothing more. */
export type Credential = Pick<
  TokenRecord,
  'id' | 'kind' | 'scopes' | 'expiresAt' | 'revokedAt' | 'lastUsedAt' | 'hash'
>;

/** What checking a bearer reads and writes: the authorizer's whole view of the table. */
export interface CredentialStore {
  /** One strongly consistent read: a revocation shows at once. */
  getCredential(id: string): Promise<Credential | null>;
  /** Records use unless a use at or after `notBefore` is already recorded. Never recreates a token. */
  touchLastUsed(id: string, at: string, notBefore: string): Promise<void>;
}

/** One rotation, decided (shared/domain/token-rotation.ts) and ready to write. */
export interface Rotation {
  /**
   * The token rotated, as it was read: the write holds only while it is still so (not revoked, not
   * expired, its expiry and its `rotatedTo` unchanged).
   */
  previous: TokenRecord;
  /** Its new `expiresAt`: the end of the grace, or its own expiry if that is earlier. */
  previousExpiresAt: string;
  /** The new token; its `rotatedFrom` is `previous.id`. */
  successor: TokenRecord;
  /**
   * Crash recovery: the successor an earlier rotation of `previous` made and nobody ever received
   * (`previous.rotatedTo`). Revoked in the same write, on condition that it came from `previous`.
   */
  replacing?: TokenRecord | undefined;
  /** The time the checks are made at: `previous` must not have expired by then. */
  now: Date;
}

export interface TokenStore {
  /** Fails with ConflictError if the id is taken. */
  insert(record: TokenRecord, stamp: Stamp): Promise<void>;
  get(id: string): Promise<TokenRecord | null>;
  /** Tokens not revoked (expired ones included), newest first. */
  listLive(kind?: TokenKind): Promise<TokenRecord[]>;
  /** Idempotent: a revoked token comes back as it was. Fails with NotFoundError if unknown. */
  revoke(id: string, stamp: Stamp): Promise<TokenRecord>;
  /** Revokes, then deletes. Fails with NotFoundError if unknown. */
  remove(id: string, stamp: Stamp): Promise<void>;
  hasActiveAdmin(now: Date): Promise<boolean>;
  /**
   * Inserts the bootstrap admin token, together with the bootstrap claim (shared/spec/tables.ts), in one
   * transaction. Fails with ConflictError, inserting nothing, if the token an earlier bootstrap made
   * still works at `now` or another bootstrap wins meanwhile.
   */
  insertBootstrapAdmin(record: TokenRecord, stamp: Stamp, now: Date): Promise<void>;
  /** A page of tokens: active ones first, then revoked and expired, each in the query's sort. */
  list(query: ListQuery, now: Date): Promise<ListPage<TokenRecord>>;
  /**
   * Changes what `changes` gives: sets or clears the user email, sets the description. Fails with
   * NotFoundError if unknown.
   */
  update(id: string, changes: TokenChanges, stamp: Stamp): Promise<TokenRecord>;
  /**
   * Writes a rotation in one transaction: `previous` gets `rotatedTo` and its shortened expiry, the
   * successor is inserted, and `replacing` (if given and not revoked yet) is revoked. Of rotations of
   * one token that race, at most one succeeds: the others fail with ConflictError and change
   * nothing. The stamp (op `rotate`) goes on `previous`; the successor's says `create`, the replaced
   * one's `revoke`. Returns `previous` as it is now.
   */
  rotate(rotation: Rotation, stamp: Stamp): Promise<TokenRecord>;
  /** Strongly consistent reads of several tokens at once; unknown ids are left out. */
  getCredentials(ids: readonly string[]): Promise<Credential[]>;
}
