// GET /v1/tokens: filters, search, sort and cursor pagination; active tokens first.
import { parseListQuery } from '../../shared/api/native-tokens';
import { tokenView } from '../../shared/domain/token';
import { httpHandler, json } from '../commons/http';
import { tokens } from '../commons/runtime';

export const handler = httpHandler('native', async (event) => {
  const page = await tokens.list(parseListQuery(event.queryStringParameters));
  const now = tokens.now();
  return json(200, {
    tokens: page.items.map((record) => tokenView(record, now)),
    next_cursor: page.nextCursor,
  });
});
