// The native token API's requests and responses. These zod
// schemas validate the requests and are what the OpenAPI document is generated from.
import * as z from 'zod/mini';
import { expiresInDays, MAX_EXPIRY_DAYS, parseExpiresAt } from '#domain/expiry';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '#domain/token-rotation';
import type { NewToken } from '#domain/token-service';
import type { TokenChanges } from '#domain/token-store';
import { DEFAULT_USAGE_DAYS, USAGE_RETENTION_DAYS } from '#domain/usage';
import {
  DEFAULT_SCOPE_ENTRIES,
  grantText,
  RESOURCE_NAME_PATTERN,
  type ScopeEntry,
  type ScopeGrant,
} from '#spec/scopes';
import { descriptionText, parseWith, queryValue } from './validation';

export const MAX_LEAKED_TOKENS = 1000;
/**
 * The leaked-token route's body limit: room for MAX_LEAKED_TOKENS entries of up to 250 bytes each.
 * A real token is 68 characters, so 1000 of them (about 71 KB) are over the usual 64 KB.
 */
export const MAX_LEAKED_BODY_BYTES = MAX_LEAKED_TOKENS * 256;
/**
 * Names per resource-limited scope: a token meant for more repositories or sources than this is
 * better given `*`. (The authorizer's answer no longer grows with the names: it covers one request.)
 */
export const MAX_RESOURCES = 10;

// Rules are patterns and lengths rather than refinements wherever JSON Schema can say them, so the
// OpenAPI document refuses what the API refuses.
const resourceName = z.string().check(
  // Stryker disable next-line Regex: equivalent, RESOURCE_NAME_PATTERN has no ^ or $ but its anchors, so removing every one removes the same
  z.regex(new RegExp(`^(?:\\*|${RESOURCE_NAME_PATTERN.source.replace(/^\^|\$$/g, '')})$`), {
    error: 'must be * or a name of letters, digits, ".", "_" and "-" (at most 100 characters)',
  }),
);

/** zod's email pattern, with each domain label ending in a letter or digit as DNS (and `format: email`) wants. */
const EMAIL_PATTERN =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;

const email = z
  .email({ pattern: EMAIL_PATTERN, error: 'must be a valid email address' })
  .check(z.maxLength(254));

/** The names of a catalogue's scopes, for `z.enum` (`global:admin` is always one). */
const namesOf = (entries: readonly ScopeEntry[]) =>
  entries.map((entry) => entry.name) as [string, ...string[]];

/** A scope the deployment's catalogue holds, and its resources. */
export const scopeGrantInputSchemaFor = (entries: readonly ScopeEntry[]) =>
  z.strictObject({
    scope: z.enum(namesOf(entries), { error: `must be one of ${namesOf(entries).join(', ')}` }),
    resources: z.optional(
      z
        .array(resourceName)
        .check(
          z.minLength(1, 'must name at least one resource, or *'),
          z.maxLength(MAX_RESOURCES, `must name at most ${MAX_RESOURCES} resources; use * for all of them`),
        ),
    ),
  });

export const scopeGrantInputSchema = scopeGrantInputSchemaFor(DEFAULT_SCOPE_ENTRIES);

/** A new token's expiry, as create and rotate take it: in days, or a date; neither (or null) is never. */
const expiryFields = {
  expires_in_days: z.optional(
    z.nullable(
      z
        .number()
        .check(
          z.int(),
          z.minimum(1, 'must be at least 1'),
          z.maximum(MAX_EXPIRY_DAYS, `must be at most ${MAX_EXPIRY_DAYS}`),
        ),
    ),
  ),
  expires_at: z
    .optional(z.nullable(z.string()))
    .check(
      z.describe('RFC 3339 date (the token stops working at 00:00 UTC that day) or date-time, in the future'),
    ),
};

interface ExpiryInput {
  expires_in_days?: number | null | undefined;
  expires_at?: string | null | undefined;
}

function checkOneExpiry(input: ExpiryInput, context: z.core.$RefinementCtx): void {
  if (input.expires_in_days != null && input.expires_at != null) {
    context.addIssue({
      code: 'custom',
      path: ['expires_at'],
      message: 'give expires_in_days or expires_at, not both',
    });
  }
}

/** The expiry a body gives, as an RFC 3339 UTC time; null when it gives none (never expires). */
function expiryOf(input: ExpiryInput, now: Date): string | null {
  if (input.expires_in_days != null) return expiresInDays(input.expires_in_days, now);
  if (input.expires_at != null) return parseExpiresAt(input.expires_at, now);
  return null;
}

/** `POST /v1/tokens`'s body, for the deployment's catalogue. */
export const createTokenSchemaFor = (entries: readonly ScopeEntry[]) =>
  z
    .strictObject({
      description: descriptionText(),
      user_email: z.optional(z.nullable(email)),
      scopes: z
        .array(scopeGrantInputSchemaFor(entries))
        .check(z.minLength(1, 'must hold at least one scope'), z.maxLength(entries.length)),
      ...expiryFields,
    })
    .check(
      z.superRefine((input, context) => {
        const seen = new Set<string>();
        input.scopes.forEach((grant, i) => {
          const path = ['scopes', i];
          if (seen.has(grant.scope))
            context.addIssue({ code: 'custom', path: [...path, 'scope'], message: 'is listed twice' });
          seen.add(grant.scope);
          const entry = entries.find((candidate) => candidate.name === grant.scope);
          if (entry?.resources && !grant.resources) {
            context.addIssue({
              code: 'custom',
              path: [...path, 'resources'],
              message: `${grant.scope} needs ${entry.resourceKind ?? 'resource'} names or *`,
            });
          }
          if (!entry?.resources && grant.resources) {
            context.addIssue({
              code: 'custom',
              path: [...path, 'resources'],
              message: `${grant.scope} takes no resources`,
            });
          }
        });
        checkOneExpiry(input, context);
      }),
    );

export const createTokenSchema = createTokenSchemaFor(DEFAULT_SCOPE_ENTRIES);

/** The body schema per catalogue, built once. */
const createSchemas = new WeakMap<readonly ScopeEntry[], ReturnType<typeof createTokenSchemaFor>>([
  [DEFAULT_SCOPE_ENTRIES, createTokenSchema],
]);

export interface ParsedCreate {
  token: NewToken;
  warnings: string[];
}

function normaliseResources(resources: string[] | undefined): string[] | null {
  if (!resources) return null;
  return resources.includes('*') ? ['*'] : [...new Set(resources)];
}

export function parseCreateToken(
  body: unknown,
  now: Date,
  entries: readonly ScopeEntry[] = DEFAULT_SCOPE_ENTRIES,
): ParsedCreate {
  let schema = createSchemas.get(entries);
  if (schema === undefined) {
    schema = createTokenSchemaFor(entries);
    createSchemas.set(entries, schema);
  }
  const input = parseWith(schema, body);
  const scopes: ScopeGrant[] = input.scopes.map((grant) => ({
    scope: grant.scope,
    resources: normaliseResources(grant.resources),
  }));
  const warnings = scopes.flatMap(({ scope }) => {
    const replacement = entries.find((entry) => entry.name === scope)?.deprecatedBy;
    return replacement ? [`${scope} is deprecated: use ${replacement}, which grants it too`] : [];
  });
  const expiresAt = expiryOf(input, now);
  return {
    token: {
      kind: 'user',
      description: input.description,
      userEmail: input.user_email ?? null,
      scopes,
      expiresAt,
    },
    warnings,
  };
}

export const updateTokenSchema = z
  .strictObject({
    user_email: z.optional(z.nullable(email)),
    description: z.optional(descriptionText()),
  })
  .check(
    z.refine((input) => input.user_email !== undefined || input.description !== undefined, {
      message: 'give at least one of user_email and description',
    }),
  );

export function parseUpdateToken(body: unknown): TokenChanges {
  const input = parseWith(updateTokenSchema, body);
  return {
    ...(input.user_email !== undefined && { userEmail: input.user_email }),
    ...(input.description !== undefined && { description: input.description }),
  };
}

export const rotateTokenSchema = z
  .strictObject({
    grace_seconds: z.optional(
      z
        .int()
        .check(
          z.minimum(0, 'must be at least 0'),
          z.maximum(MAX_GRACE_SECONDS, `must be at most ${MAX_GRACE_SECONDS} (one week)`),
          z.describe(
            `How long the old token keeps working, in seconds (default ${DEFAULT_GRACE_SECONDS}); never beyond its own expires_at`,
          ),
        ),
    ),
    ...expiryFields,
  })
  .check(z.superRefine((input, context) => checkOneExpiry(input, context)));

export interface ParsedRotate {
  graceSeconds: number;
  /**
   * The successor's expiry when the body gives one (a renewal; null: never expires), as create takes
   * it; undefined when it gives none, and the successor keeps the old token's.
   */
  expiresAt: string | null | undefined;
}

/** The rotate routes' body, which may be left out altogether (`undefined`): the default grace. */
export function parseRotateToken(body: unknown, now: Date): ParsedRotate {
  const input = body === undefined ? {} : parseWith(rotateTokenSchema, body);
  const renews = input.expires_in_days !== undefined || input.expires_at !== undefined;
  return {
    graceSeconds: input.grace_seconds ?? DEFAULT_GRACE_SECONDS,
    expiresAt: renews ? expiryOf(input, now) : undefined,
  };
}

export const revokeLeakedSchema = z.strictObject({
  tokens: z
    .array(z.string().check(z.maxLength(200)))
    .check(
      z.minLength(1, 'must hold at least one token'),
      z.maxLength(MAX_LEAKED_TOKENS, `must hold at most ${MAX_LEAKED_TOKENS} tokens`),
    ),
});

export function parseRevokeLeaked(body: unknown): string[] {
  return [...new Set(parseWith(revokeLeakedSchema, body).tokens)];
}

/** A number of UTC days of usage, today included: 1 to the days counters are kept. */
const usageDays = (description: string) =>
  z.coerce
    .number()
    .check(
      z.int('must be a whole number'),
      z.minimum(1, 'must be at least 1'),
      z.maximum(USAGE_RETENTION_DAYS, `must be at most ${USAGE_RETENTION_DAYS}`),
      z.describe(description),
    );

export const listTokensQuerySchema = z.strictObject({
  status: queryValue(z.enum(['active', 'revoked', 'expired'])),
  expiration: queryValue(
    z
      .enum(['never', 'has_expiration', 'expired'])
      .check(z.describe('The expiry date: none, still ahead, or passed (combines with status)')),
  ),
  q: queryValue(
    z
      .string()
      .check(
        z.maxLength(200),
        z.describe('Matches the description or the user email, case-insensitively; never the id'),
      ),
  ),
  sort: queryValue(z.enum(['newest', 'oldest', 'name_asc', 'name_desc'])),
  kind: queryValue(z.enum(['service', 'user'])),
  limit: queryValue(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: queryValue(z.string().check(z.maxLength(2000))),
  unused_days: queryValue(
    usageDays(
      'Only the tokens with no request in the last N UTC days, today included (never used ones too); a page may then hold fewer than `limit`',
    ),
  ),
});

export type ListTokensParams = z.output<typeof listTokensQuerySchema>;

export function parseListQuery(query: Record<string, string | undefined> | null) {
  const params = parseWith(listTokensQuerySchema, query ?? {});
  return { ...params, sort: params.sort ?? 'newest', limit: params.limit ?? 50 };
}

export const tokenUsageQuerySchema = z.strictObject({
  days: queryValue(usageDays(`UTC days, today included (default ${DEFAULT_USAGE_DAYS})`)),
});

/** `GET /v1/tokens/{id}/usage`'s number of days. */
export function parseUsageQuery(query: Record<string, string | undefined> | null): number {
  return parseWith(tokenUsageQuerySchema, query ?? {}).days ?? DEFAULT_USAGE_DAYS;
}

/** `GET /v1/scopes`: the deployment's catalogue. */
export function scopeCatalogue(entries: readonly ScopeEntry[] = DEFAULT_SCOPE_ENTRIES) {
  return {
    scopes: entries.map((entry) => ({
      name: entry.name,
      label: entry.label,
      description: entry.description,
      resources: entry.resources,
      resource_type: entry.resourceKind,
      grants: entry.grants.map(grantText),
      deprecated_by: entry.deprecatedBy ?? null,
    })),
  };
}
