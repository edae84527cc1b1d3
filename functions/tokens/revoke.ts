// POST /v1/tokens/{id}/revoke: permanent; revoking again changes nothing.
import { tokenView } from '#domain/token';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { actorOf, httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.revokeToken.face, async (event) => {
  const record = await tokens.revoke(pathParameter(event, 'id', TOKEN_ID_PATTERN), actorOf(event));
  return json(200, tokenView(record, tokens.now()));
});
