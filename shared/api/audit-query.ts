// `GET /v1/audit`'s query string: validated with zod, the schema the OpenAPI
// document shows, and turned into the store's AuditQuery.
import * as z from 'zod/mini';
import { AUDIT_EVENT_TYPES, type AuditQuery } from '#domain/audit';
import { ValidationError } from '#domain/errors';
import { parseTime } from '#domain/expiry';
import { isPartitionKeyValue, MAX_PARTITION_KEY_BYTES } from '#domain/list-cursor';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { parseWith, queryValue } from './validation';

export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_PAGE = 100;

const time = z
  .string()
  .check(
    z.maxLength(40),
    z.describe('RFC 3339 date (00:00 UTC that day) or date-time; `since` is inclusive, `until` exclusive'),
  );

export const auditQuerySchema = z.strictObject({
  token_id: queryValue(
    z.string().check(z.regex(TOKEN_ID_PATTERN, 'must be a token id (16 letters and digits)')),
  ),
  actor: queryValue(
    z
      .string()
      .check(
        z.maxLength(2100),
        z.regex(
          /^(token|user|iam|system):\S+$/,
          'must be token:<id>, user:<email>, iam:<arn> or system:<name>',
        ),
        z.refine(isPartitionKeyValue, `must be at most ${MAX_PARTITION_KEY_BYTES} bytes of UTF-8`),
      ),
  ),
  type: queryValue(z.enum(AUDIT_EVENT_TYPES, { error: `must be one of ${AUDIT_EVENT_TYPES.join(', ')}` })),
  since: queryValue(time),
  until: queryValue(time),
  limit: queryValue(
    z.coerce.number().check(z.int('must be a whole number'), z.minimum(1), z.maximum(MAX_AUDIT_PAGE)),
  ),
  cursor: queryValue(z.string().check(z.maxLength(2000))),
});

export function parseAuditQuery(query: Record<string, string | undefined> | null): AuditQuery {
  const params = parseWith(auditQuerySchema, query ?? {});
  const instant = (field: 'since' | 'until') => {
    const value = params[field];
    return value === undefined ? undefined : new Date(parseTime(value, field)).toISOString();
  };
  const since = instant('since');
  const until = instant('until');
  if (since !== undefined && until !== undefined && until <= since) {
    throw new ValidationError('until must be later than since', 'until');
  }
  return {
    tokenId: params.token_id,
    actor: params.actor,
    type: params.type,
    since,
    until,
    limit: params.limit ?? DEFAULT_AUDIT_PAGE,
    cursor: params.cursor,
  };
}
