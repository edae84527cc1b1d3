// What the CLI reads of the native API's answers. Checked, so that a wrong
// endpoint fails with one clear line, but tolerantly: fields a newer server adds pass through (and
// are printed with -o json), and statuses or scopes the CLI does not know are shown as they come.
import { z } from 'zod';

const time = z.string();

const scopeGrantSchema = z.looseObject({ scope: z.string(), resources: z.array(z.string()).nullable() });

export const tokenSchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  description: z.string(),
  user_email: z.string().nullable(),
  scopes: z.array(scopeGrantSchema),
  status: z.string(),
  created_at: time,
  created_by: z.string(),
  // Left out by a server from before it said who in words.
  created_by_name: z.string().nullable().optional(),
  expires_at: time.nullable(),
  revoked_at: time.nullable(),
  revoked_by: z.string().nullable(),
  last_used_at: time.nullable(),
  hint: z.string(),
  // Left out by a server from before rotation.
  rotated_from: z.string().nullable().optional(),
  rotated_to: z.string().nullable().optional(),
});

export type Token = z.output<typeof tokenSchema>;
export type ScopeGrant = Token['scopes'][number];

export const createdTokenSchema = tokenSchema.extend({
  token: z.string(),
  warnings: z.array(z.string()).optional(),
});

export type CreatedToken = z.output<typeof createdTokenSchema>;

/** A rotation's answer: the new token, and until when the old one is accepted (null: no more). */
export const rotatedTokenSchema = createdTokenSchema.extend({
  // Left out by a server from before it said so.
  previous_accepted_until: time.nullable().optional(),
});

export const tokenPageSchema = z.looseObject({
  tokens: z.array(tokenSchema),
  next_cursor: z.string().nullable(),
});

/** `GET /v1/tokens/{id}/usage`. */
export const tokenUsageSchema = z.looseObject({
  token_id: z.string(),
  requests: z.number(),
  days: z.array(z.looseObject({ date: z.string(), requests: z.number(), denied: z.number() })),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

/** `POST /v1/tokens/revoke` answers `{}`. */
export const acceptedSchema = z.looseObject({});

/** The native error shape, `{"error": {"code", "message", "field"?}}`. */
export const nativeErrorSchema = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

/** Posit Connect's error shape, `{"code", "error", "payload": {"field"} | null}`. */
export const connectErrorSchema = z.looseObject({
  code: z.number(),
  error: z.string(),
  payload: z.looseObject({ field: z.string() }).nullable().optional(),
});
