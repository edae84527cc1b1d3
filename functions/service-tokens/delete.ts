// DELETE /__api__/v1/system/service-tokens/{guid}: the token stops working at once, then is removed.
// Only service tokens: a native token's id answers 404, as an unknown one does.
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { actorOf, httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { tokenCheck } from '#functions/commons/token-check';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.deleteServiceToken.face,
  async (event) => {
    const guid = pathParameter(event, 'guid', TOKEN_ID_PATTERN);
    await tokens.deleteServiceToken(guid, actorOf(event));
    return json(204);
  },
  { tokenCheck: tokenCheck() },
);
