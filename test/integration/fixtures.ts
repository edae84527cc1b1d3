// Shared pieces of the integration tests: in-memory key rings, token records, tokens made through the service.
import { hashToken, type KeyRing, type KeyRingSource, newKeyMaterial, parseKeyRing } from '#domain/keyring';
import type { Actor, TokenRecord } from '#domain/token';
import { mintToken } from '#domain/token-format';
import type { TokenService } from '#domain/token-service';
import type { Stamp } from '#domain/token-store';
import type { ScopeGrant } from '#spec/scopes';

export function newKeyRing(current = 'k1', others: Record<string, string> = {}): KeyRing {
  return parseKeyRing(JSON.stringify({ current, [current]: newKeyMaterial(), ...others }));
}

export function staticKeys(ring: KeyRing): KeyRingSource {
  return { get: async () => ring };
}

export const ADMIN: Actor = { type: 'token', id: 'AdminTokenId0001' };

export function stamp(op: Stamp['op'], at: string, actor: Actor = ADMIN): Stamp {
  return { actor, op, at };
}

export interface TokenFixture {
  record: TokenRecord;
  token: string;
}

/** A token record as TokenService would build it, hashed with `ring`, and its secret. */
export function tokenRecord(
  ring: KeyRing,
  overrides: Partial<Omit<TokenRecord, 'id' | 'hash'>> = {},
): TokenFixture {
  const minted = mintToken();
  const scopes: ScopeGrant[] = [{ scope: 'identity:manage', resources: null }];
  return {
    token: minted.token,
    record: {
      id: minted.id,
      kind: 'service',
      description: 'a token',
      userEmail: null,
      scopes,
      createdAt: new Date().toISOString(),
      createdBy: 'token:AdminTokenId0001',
      createdByName: 'Provisioning admin',
      expiresAt: null,
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
      hint: minted.hint,
      hash: hashToken(ring, minted.token),
      rotatedFrom: null,
      rotatedTo: null,
      ...overrides,
    },
  };
}

/** What `madeToken` makes unless told otherwise: a user token with `nameservice:read`, no email, no expiry. */
export interface MadeToken {
  description?: string;
  userEmail?: string | null;
  expiresAt?: string | null;
}

/** Makes a token through `tokens`, as `actor` does: its id. */
export async function madeToken(tokens: TokenService, actor: Actor, made: MadeToken = {}): Promise<string> {
  const { record } = await tokens.create(
    {
      kind: 'user',
      description: made.description ?? 'made for a test',
      userEmail: made.userEmail ?? null,
      scopes: [{ scope: 'nameservice:read', resources: null }],
      expiresAt: made.expiresAt ?? null,
    },
    actor,
  );
  return record.id;
}
