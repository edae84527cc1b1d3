// GET /v1/tokens: filters, search, sort and cursor pagination; active tokens first.
import { parseListQuery } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/routes';

export const handler = httpHandler(FUNCTIONS.listTokens.face, async (event) => {
  const page = await tokens.list(parseListQuery(event.queryStringParameters));
  const now = tokens.now();
  return json(200, {
    tokens: page.items.map((record) => tokenView(record, now)),
    next_cursor: page.nextCursor,
  });
});
