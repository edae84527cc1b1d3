// The Posit-Connect-compatible face of the token store: service tokens are token records of kind
// `service`, with `name` for `description` and scope names as plain strings.
import * as z from 'zod/mini';
import { parseExpiresAt } from '#domain/expiry';
import type { TokenRecord } from '#domain/token';
import type { NewToken } from '#domain/token-service';
import { DEFAULT_SCOPE_ENTRIES, type ScopeEntry } from '#spec/scopes';
import { descriptionText, parseWith } from './validation';

/** The scopes a service token may hold: those of the catalogue that take no resources (`global:admin` aside). */
const serviceScopes = (entries: readonly ScopeEntry[]) => entries.filter((entry) => entry.service);

/** `POST /__api__/v1/system/service-tokens`'s body, for the deployment's catalogue. */
export const serviceTokenCreateSchemaFor = (entries: readonly ScopeEntry[]) => {
  const names = serviceScopes(entries).map((entry) => entry.name);
  return z.strictObject({
    name: descriptionText(),
    scopes: z
      .array(
        z.enum(names as [string, ...string[]], {
          error:
            names.length > 0
              ? `must be one of ${names.join(', ')}`
              : 'no scope of this catalogue fits a service token',
        }),
      )
      .check(
        z.minLength(1, 'must name at least one scope'),
        // As the native API refuses it: a scope named twice is a mistake in the request, not a choice.
        z.superRefine((scopes, context) => {
          const index = scopes.findIndex((scope, i) => scopes.indexOf(scope) !== i);
          if (index >= 0) context.addIssue({ code: 'custom', path: [index], message: 'is listed twice' });
        }),
      ),
    expires_at: z.optional(z.nullable(z.string())),
  });
};

export const serviceTokenCreateSchema = serviceTokenCreateSchemaFor(DEFAULT_SCOPE_ENTRIES);

/** The body schema per catalogue, built once. */
const createSchemas = new WeakMap<readonly ScopeEntry[], ReturnType<typeof serviceTokenCreateSchemaFor>>([
  [DEFAULT_SCOPE_ENTRIES, serviceTokenCreateSchema],
]);

export function parseServiceTokenCreate(
  body: unknown,
  now: Date,
  entries: readonly ScopeEntry[] = DEFAULT_SCOPE_ENTRIES,
): NewToken {
  let schema = createSchemas.get(entries);
  if (schema === undefined) {
    schema = serviceTokenCreateSchemaFor(entries);
    createSchemas.set(entries, schema);
  }
  const input = parseWith(schema, body);
  return {
    kind: 'service',
    description: input.name,
    userEmail: null,
    scopes: input.scopes.map((scope) => ({ scope, resources: null })),
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

export function serviceTokenScopes(entries: readonly ScopeEntry[] = DEFAULT_SCOPE_ENTRIES): {
  scopes: { name: string; description: string }[];
} {
  return { scopes: serviceScopes(entries).map(({ name, description }) => ({ name, description })) };
}
