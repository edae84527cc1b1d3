// The Posit-Connect-compatible face of the token store: service tokens are token records of kind
// `service`, with `name` for `description` and scope names as plain strings.
import * as z from 'zod/mini';
import { parseExpiresAt } from '#domain/expiry';
import type { TokenRecord } from '#domain/token';
import type { NewToken } from '#domain/token-service';
import { SCOPES, type ScopeName, SERVICE_SCOPE_NAMES } from '#spec/scopes';
import { parseWith } from './validation';

export const serviceTokenCreateSchema = z.strictObject({
  name: z
    .string()
    .check(z.maxLength(500, 'must be at most 500 characters'), z.trim(), z.minLength(1, 'must not be empty')),
  scopes: z
    .array(
      z.enum(SERVICE_SCOPE_NAMES as [ScopeName, ...ScopeName[]], {
        error: `must be one of ${SERVICE_SCOPE_NAMES.join(', ')}`,
      }),
    )
    .check(z.minLength(1, 'must name at least one scope')),
  expires_at: z.optional(z.nullable(z.string())),
});

export function parseServiceTokenCreate(body: unknown, now: Date): NewToken {
  const input = parseWith(serviceTokenCreateSchema, body);
  return {
    kind: 'service',
    description: input.name,
    userEmail: null,
    scopes: [...new Set(input.scopes)].map((scope) => ({ scope, resources: null })),
    // Only an absent or null expiry means never: an empty string is a mistake, not a choice.
    expiresAt: input.expires_at == null ? null : parseExpiresAt(input.expires_at, now),
  };
}

export interface ServiceTokenView {
  guid: string;
  name: string;
  scopes: string[];
  created_time: string;
  /** Approximately when the token last authenticated (recorded at most every 15 minutes). */
  active_time: string | null;
  expires_at: string | null;
}

export function serviceTokenView(record: TokenRecord): ServiceTokenView {
  return {
    guid: record.id,
    name: record.description,
    scopes: record.scopes.map((grant) => grant.scope),
    created_time: record.createdAt,
    active_time: record.lastUsedAt,
    expires_at: record.expiresAt,
  };
}

export function serviceTokenScopes(): { scopes: { name: string; description: string }[] } {
  return { scopes: SERVICE_SCOPE_NAMES.map((name) => ({ name, description: SCOPES[name].description })) };
}
