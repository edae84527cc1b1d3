// PATCH /v1/tokens/{id}: the user email and the description can change; nothing else.
import { parseUpdateToken } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { actorOf, httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.updateToken.face,
  async (event) => {
    const id = pathParameter(event, 'id', TOKEN_ID_PATTERN);
    const record = await tokens.update(id, parseUpdateToken(event.body), actorOf(event));
    return json(200, tokenView(record, tokens.now()));
  },
  { body: true },
);
