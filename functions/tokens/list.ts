// GET /v1/tokens: filters, search, sort and cursor pagination; active tokens first. With
// `unused_days`, a page keeps the tokens of the page read that have no request counted in those days.
import { parseListQuery } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { unusedOf } from '#domain/usage';
import { httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { usage } from '#functions/commons/usage-runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.listTokens.face, async (event) => {
  const { unused_days: unusedDays, ...query } = parseListQuery(event.queryStringParameters);
  const page = await tokens.list(query);
  const now = tokens.now();
  const items = unusedDays === undefined ? page.items : await unusedOf(usage, page.items, unusedDays, now);
  return json(200, {
    tokens: items.map((record) => tokenView(record, now)),
    next_cursor: page.nextCursor,
  });
});
