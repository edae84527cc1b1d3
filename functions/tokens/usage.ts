// GET /v1/tokens/{id}/usage: the token's requests per UTC day, counted from the access log.
import { parseUsageQuery } from '#api/native-tokens';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { tokenUsage } from '#domain/usage';
import { httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { usage } from '#functions/commons/usage-runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.tokenUsage.face, async (event) => {
  const id = pathParameter(event, 'id', TOKEN_ID_PATTERN);
  const days = parseUsageQuery(event.queryStringParameters);
  await tokens.get(id); // an unknown token: 404
  return json(200, await tokenUsage(usage, id, days, tokens.now()));
});
