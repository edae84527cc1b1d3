// Response schemas of the HTTP API, for the OpenAPI document (request schemas live beside their
// parsers in native-tokens.ts and service-tokens.ts). Type tests keep them equal to the view types.
// Written with `zod/mini`, as the request schemas are (validation.ts says why).
import * as z from 'zod/mini';
import { AUDIT_EVENT_TYPES } from '#domain/audit';

const time = z.iso.datetime();
const nullableTime = z.nullable(time);
const described = <T extends z.core.SomeType>(schema: T, description: string) =>
  (schema as T & z.ZodMiniType).check(z.describe(description)) as T;

export const scopeGrantSchema = z.strictObject({
  scope: described(
    z.string(),
    'A scope of the catalogue, or one the deployment has since removed (it grants nothing)',
  ),
  resources: z.nullable(z.array(z.string())),
});

const tokenViewShape = {
  id: described(z.string(), 'The token id: 16 base62 characters, also inside the token string'),
  kind: z.enum(['service', 'user']),
  description: z.string(),
  user_email: z.nullable(z.string()),
  scopes: z.array(scopeGrantSchema),
  status: z.enum(['active', 'revoked', 'expired']),
  created_at: time,
  created_by: described(z.string(), 'token:<id>, iam:<arn> or system:<name>'),
  created_by_name: described(
    z.nullable(z.string()),
    "Who made it, in words: the creating token's description when it made this one (else the ARN or the system's name); null when not known",
  ),
  expires_at: nullableTime,
  revoked_at: nullableTime,
  revoked_by: z.nullable(z.string()),
  last_used_at: described(z.nullable(time), 'Recorded at most once every 15 minutes'),
  hint: described(z.string(), "The token's first characters, for display"),
  rotated_from: described(z.nullable(z.string()), 'The token this one replaced in a rotation'),
  rotated_to: described(
    z.nullable(z.string()),
    'The token that replaced this one in a rotation: this one works until its expires_at',
  ),
};

export const tokenViewSchema = z.strictObject(tokenViewShape);

export const createdTokenSchema = z.strictObject({
  ...tokenViewShape,
  token: described(z.string(), 'The secret token: shown here once, never again'),
  warnings: z.optional(z.array(z.string())),
});

/** A rotation's answer: the new token, with the secret, and until when the old token is accepted. */
export const rotatedTokenSchema = z.strictObject({
  ...tokenViewShape,
  token: described(z.string(), 'The secret token: shown here once, never again'),
  previous_accepted_until: described(
    nullableTime,
    'Until when the authorizer accepts the old token: its new expires_at less the authorizer cache TTL and 1 s (behind a cache a token stops being allowed that early). Null when it is accepted no more: a grace of 0, or an expiry of its own closer than that; answers cached before the rotation may then pass it for up to the TTL, as after a revocation',
  ),
});

export const tokenPageSchema = z.strictObject({
  tokens: z.array(tokenViewSchema),
  next_cursor: z.nullable(z.string()),
});

export const scopeCatalogueSchema = z.strictObject({
  scopes: z.array(
    z.strictObject({
      name: z.string(),
      label: described(z.string(), 'What the console and the CLI show'),
      description: z.string(),
      resources: described(
        z.boolean(),
        'Whether a token names the resources it reaches (a list of names or *)',
      ),
      resource_type: z.nullable(z.enum(['repos', 'sources'])),
      grants: z.array(z.string()),
      deprecated_by: z.nullable(z.string()),
    }),
  ),
});

export const nativeErrorSchema = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), field: z.optional(z.string()) }),
});

export const connectErrorSchema = z.strictObject({
  code: z.int(),
  error: z.string(),
  payload: z.nullable(z.strictObject({ field: z.string() })),
});

const serviceTokenShape = {
  guid: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  created_time: time,
  active_time: described(z.nullable(time), 'Approximately when the token last authenticated'),
  expires_at: nullableTime,
};

export const serviceTokenSchema = z.strictObject(serviceTokenShape);

export const createdServiceTokenSchema = z.strictObject({
  ...serviceTokenShape,
  key: described(z.string(), 'The secret token: shown here once, never again'),
});

export const serviceTokenScopesSchema = z.strictObject({
  scopes: z.array(z.strictObject({ name: z.string(), description: z.string() })),
});

export const echoSchema = z.strictObject({
  token_id: z.string(),
  kind: z.enum(['service', 'user']),
  scopes: z.array(scopeGrantSchema),
  principal: z.string(),
});

export const emptySchema = z.strictObject({});

/** GET /openapi.json: the outline of an OpenAPI 3.1 document (its parts are OpenAPI's own). */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().check(z.regex(/^3\.1\.\d+$/)),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

const fieldChangeSchema = z.strictObject({ old: z.unknown(), new: z.unknown() });

export const auditEventSchema = z.strictObject({
  id: described(z.string(), 'The id of the stream record the event came from'),
  time: described(z.iso.datetime(), 'When the change was made'),
  type: z.enum(AUDIT_EVENT_TYPES),
  token_id: z.string(),
  actor: z.strictObject({
    type: z.enum(['token', 'user', 'iam', 'system']),
    id: described(z.string(), 'A token id, an IAM ARN, or a system name (dynamodb-ttl, bootstrap, unknown)'),
  }),
  details: described(
    z.strictObject({
      kind: z.optional(z.string()),
      description: z.optional(z.string()),
      user_email: z.optional(z.nullable(z.string())),
      scopes: z.optional(z.array(scopeGrantSchema)),
      expires_at: z.optional(nullableTime),
      revoked_at: z.optional(nullableTime),
      rotated_to: described(z.optional(z.string()), 'token.rotated: the token that replaced this one'),
      rotated_from: described(
        z.optional(z.string()),
        'token.created by a rotation: the token this one replaced',
      ),
      revoked_with: described(
        z.optional(z.string()),
        'token.revoked of a descendant in the token tree: the ancestor whose revocation revoked it',
      ),
      changes: described(
        z.optional(z.record(z.string(), fieldChangeSchema)),
        'token.updated: old and new values',
      ),
    }),
    'What the token was or what changed; never its hash or secret',
  ),
});

export const auditPageSchema = z.strictObject({
  events: z.array(auditEventSchema),
  next_cursor: z.nullable(z.string()),
});

export const tokenUsageSchema = z.strictObject({
  token_id: z.string(),
  requests: described(z.int(), 'Requests over the days below'),
  days: described(
    z.array(
      z.strictObject({
        date: described(z.iso.date(), 'A UTC day'),
        requests: described(z.int(), 'Requests that carried the token, answered from a cache or not'),
        denied: described(z.int(), 'Of those, the ones refused with 401 or 403'),
      }),
    ),
    'Every day, oldest first, days without requests included',
  ),
});
