// What a token item holds for checking a bearer: its schema and its reading into a Credential. Shared
// by the token store (batch reads of the leaked-token endpoint) and the credential store the
// authorizer reads through (one GetItem per uncached check).
import * as z from 'zod/mini';
import type { Credential } from '#domain/token-store';
import { SCOPE_NAMES, type ScopeGrant } from '#spec/scopes';

// Items are checked when read, but with zod's tree-shakable build: the authorizer reads credentials
// on every uncached check, and the full build would be most of its bundle (bench/bundles.ts).
export const optionalString = z.optional(z.string());

const scopesSchema = z.array(
  z.object({ scope: z.enum(SCOPE_NAMES), resources: z.optional(z.nullable(z.array(z.string()))) }),
);

export const credentialSchema = z.object({
  id: z.string(),
  kind: z.enum(['service', 'user']),
  scopes: scopesSchema,
  expires_at: optionalString,
  revoked_at: optionalString,
  last_used_at: optionalString,
  secret_hash: z.string(),
  key_id: z.string(),
});

/** The attributes a Credential is read from. */
export const CREDENTIAL_ATTRIBUTES = Object.keys(credentialSchema.shape);

export function scopesOf(scopes: z.infer<typeof scopesSchema>): ScopeGrant[] {
  return scopes.map(({ scope, resources }) => ({ scope, resources: resources ?? null }));
}

/** Fails with a zod error if the item is not a token. */
export function toCredential(item: Record<string, unknown>): Credential {
  const row = credentialSchema.parse(item);
  return {
    id: row.id,
    kind: row.kind,
    scopes: scopesOf(row.scopes),
    expiresAt: row.expires_at ?? null,
    revokedAt: row.revoked_at ?? null,
    lastUsedAt: row.last_used_at ?? null,
    hash: { hash: row.secret_hash, keyId: row.key_id },
  };
}
