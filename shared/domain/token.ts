// The token record and what the API shows of it. Status is never stored: it is computed from the
// record and the clock on every read, so a token is expired the moment `expires_at` passes.

import type { ScopeGrant } from '#spec/scopes';
import type { TokenHash } from './keyring';

export type TokenKind = 'service' | 'user';
export type TokenStatus = 'active' | 'revoked' | 'expired';

/** Who did something: a token (its id), a person (their email), an IAM principal (its ARN), or the system itself. */
export interface Actor {
  type: 'token' | 'user' | 'iam' | 'system';
  id: string;
}

export function principalOf(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}

export interface TokenRecord {
  id: string;
  kind: TokenKind;
  description: string;
  userEmail: string | null;
  scopes: ScopeGrant[];
  createdAt: string;
  createdBy: string;
  /**
   * Who made it, in words a person reads: the creating token's description when it made this one (a
   * person's email, an IAM principal's ARN, the system's job name); null or absent when not known
   * (tokens made before it was kept, or by a token since deleted).
   */
  createdByName?: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
  hint: string;
  hash: TokenHash;
  /** The token this one replaced in a rotation, if it was made by one. */
  rotatedFrom: string | null;
  /** The token that replaced this one in a rotation: it works on only until its (shortened) expiry. */
  rotatedTo: string | null;
}

export function statusOf(record: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, now: Date): TokenStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

/** The token object of the native API. Never carries the hash. */
export interface TokenView {
  id: string;
  kind: TokenKind;
  description: string;
  user_email: string | null;
  scopes: ScopeGrant[];
  status: TokenStatus;
  created_at: string;
  created_by: string;
  created_by_name: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
  hint: string;
  rotated_from: string | null;
  rotated_to: string | null;
}

export function tokenView(record: TokenRecord, now: Date): TokenView {
  return {
    id: record.id,
    kind: record.kind,
    description: record.description,
    user_email: record.userEmail,
    scopes: record.scopes,
    status: statusOf(record, now),
    created_at: record.createdAt,
    created_by: record.createdBy,
    created_by_name: record.createdByName ?? null,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    revoked_by: record.revokedBy,
    last_used_at: record.lastUsedAt,
    hint: record.hint,
    rotated_from: record.rotatedFrom,
    rotated_to: record.rotatedTo,
  };
}
