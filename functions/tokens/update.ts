// PATCH /v1/tokens/{id}: only the user email can change.
import { parseUpdateToken } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { callerOf, httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/routes';

export const handler = httpHandler(
  FUNCTIONS.updateToken.face,
  async (event) => {
    const id = pathParameter(event, 'id', TOKEN_ID_PATTERN);
    const { userEmail } = parseUpdateToken(event.body);
    const record = await tokens.updateEmail(id, userEmail, callerOf(event));
    return json(200, tokenView(record, tokens.now()));
  },
  { body: true },
);
