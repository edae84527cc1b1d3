// GET /v1/tokens/{id}
import { tokenView } from '#domain/token';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.getToken.face, async (event) => {
  const record = await tokens.get(pathParameter(event, 'id', TOKEN_ID_PATTERN));
  return json(200, tokenView(record, tokens.now()));
});
