// GET /v1/tokens: filters, search, sort and cursor pagination; active tokens first. With
// `unused_days`, a page holds the tokens with no request counted in those days, read on from the
// cursor until the page is full (within a bound on the reads: see `unusedPage`).
import { parseListQuery } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { unusedPage } from '#domain/usage';
import { httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { usage } from '#functions/commons/usage-runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.listTokens.face, async (event) => {
  const { unused_days: unusedDays, ...query } = parseListQuery(event.queryStringParameters);
  const now = tokens.now();
  const page =
    unusedDays === undefined
      ? await tokens.list(query)
      : await unusedPage(
          (limit, cursor) => tokens.list({ ...query, limit, cursor }),
          usage,
          query,
          unusedDays,
          now,
        );
  return json(200, {
    tokens: page.items.map((record) => tokenView(record, now)),
    next_cursor: page.nextCursor,
  });
});
