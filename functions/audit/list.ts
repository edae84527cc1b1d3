// GET /v1/audit: audit events newest first, by token, actor, type and time range, a page at a time.
import { parseAuditQuery } from '#api/audit-query';
import { audit } from '#functions/commons/audit-runtime';
import { httpHandler, json } from '#functions/commons/http';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.listAuditEvents.face, async (event) => {
  const page = await audit.list(parseAuditQuery(event.queryStringParameters));
  return json(200, { events: page.items, next_cursor: page.nextCursor });
});
