// Response schemas of the HTTP API, for the OpenAPI document (request schemas live beside their
// parsers in native-tokens.ts and service-tokens.ts). Type tests keep them equal to the view types.
import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '#domain/audit';
import { SCOPE_NAMES } from '#spec/scopes';

const time = z.iso.datetime();
const nullableTime = time.nullable();

export const scopeGrantSchema = z
  .object({ scope: z.enum(SCOPE_NAMES), resources: z.array(z.string()).nullable() })
  .strict();

export const tokenViewSchema = z
  .object({
    id: z.string().describe('The token id: 16 base62 characters, also inside the token string'),
    kind: z.enum(['service', 'user']),
    description: z.string(),
    user_email: z.string().nullable(),
    scopes: z.array(scopeGrantSchema),
    status: z.enum(['active', 'revoked', 'expired']),
    created_at: time,
    created_by: z.string().describe('token:<id>, iam:<arn> or system:<name>'),
    expires_at: nullableTime,
    revoked_at: nullableTime,
    revoked_by: z.string().nullable(),
    last_used_at: nullableTime.describe('Recorded at most once every 15 minutes'),
    hint: z.string().describe("The token's first characters, for display"),
    rotated_from: z.string().nullable().describe('The token this one replaced in a rotation'),
    rotated_to: z
      .string()
      .nullable()
      .describe('The token that replaced this one in a rotation: this one works until its expires_at'),
  })
  .strict();

export const createdTokenSchema = tokenViewSchema
  .extend({
    token: z.string().describe('The secret token: shown here once, never again'),
    warnings: z.array(z.string()).optional(),
  })
  .strict();

export const tokenPageSchema = z
  .object({ tokens: z.array(tokenViewSchema), next_cursor: z.string().nullable() })
  .strict();

export const scopeCatalogueSchema = z
  .object({
    scopes: z.array(
      z
        .object({
          name: z.enum(SCOPE_NAMES),
          description: z.string(),
          resource_type: z.enum(['repos', 'sources']).nullable(),
          grants: z.array(z.string()),
          deprecated_by: z.enum(SCOPE_NAMES).nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const nativeErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).strict(),
  })
  .strict();

export const connectErrorSchema = z
  .object({
    code: z.number().int(),
    error: z.string(),
    payload: z.object({ field: z.string() }).strict().nullable(),
  })
  .strict();

export const serviceTokenSchema = z
  .object({
    guid: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    created_time: time,
    active_time: nullableTime.describe('Approximately when the token last authenticated'),
    expires_at: nullableTime,
  })
  .strict();

export const createdServiceTokenSchema = serviceTokenSchema
  .extend({ key: z.string().describe('The secret token: shown here once, never again') })
  .strict();

export const serviceTokenScopesSchema = z
  .object({ scopes: z.array(z.object({ name: z.string(), description: z.string() }).strict()) })
  .strict();

export const echoSchema = z
  .object({
    token_id: z.string(),
    kind: z.enum(['service', 'user']),
    scopes: z.array(scopeGrantSchema),
    principal: z.string(),
  })
  .strict();

export const emptySchema = z.object({}).strict();

/** GET /openapi.json: the outline of an OpenAPI 3.1 document (its parts are OpenAPI's own). */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

const fieldChangeSchema = z.object({ old: z.unknown(), new: z.unknown() }).strict();

export const auditEventSchema = z
  .object({
    id: z.string().describe('The id of the stream record the event came from'),
    time: time.describe('When the change was made'),
    type: z.enum(AUDIT_EVENT_TYPES),
    token_id: z.string(),
    actor: z
      .object({
        type: z.enum(['token', 'iam', 'system']),
        id: z
          .string()
          .describe('A token id, an IAM ARN, or a system name (dynamodb-ttl, bootstrap, unknown)'),
      })
      .strict(),
    details: z
      .object({
        kind: z.string().optional(),
        description: z.string().optional(),
        user_email: z.string().nullable().optional(),
        scopes: z.array(scopeGrantSchema).optional(),
        expires_at: nullableTime.optional(),
        revoked_at: nullableTime.optional(),
        rotated_to: z.string().optional().describe('token.rotated: the token that replaced this one'),
        rotated_from: z
          .string()
          .optional()
          .describe('token.created by a rotation: the token this one replaced'),
        changes: z
          .record(z.string(), fieldChangeSchema)
          .optional()
          .describe('token.updated: old and new values'),
      })
      .strict()
      .describe('What the token was or what changed; never its hash or secret'),
  })
  .strict();

export const auditPageSchema = z
  .object({ events: z.array(auditEventSchema), next_cursor: z.string().nullable() })
  .strict();
