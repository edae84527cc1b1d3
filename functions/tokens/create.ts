// POST /v1/tokens: the token object plus the secret, which no other response ever carries.
import { parseCreateToken } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { scopes } from '#functions/commons/catalogue';
import { actorOf, httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.createToken.face,
  async (event) => {
    const { token: input, warnings } = parseCreateToken(event.body, tokens.now(), scopes);
    const { record, token } = await tokens.create(input, actorOf(event));
    return json(201, { ...tokenView(record, tokens.now()), token, ...(warnings.length > 0 && { warnings }) });
  },
  { body: true },
);
