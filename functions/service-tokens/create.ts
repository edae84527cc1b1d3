// POST /__api__/v1/system/service-tokens
import { parseServiceTokenCreate, serviceTokenView } from '#api/service-tokens';
import { scopes } from '#functions/commons/catalogue';
import { actorOf, httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { tokenCheck } from '#functions/commons/token-check';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.createServiceToken.face,
  async (event) => {
    const input = parseServiceTokenCreate(event.body, tokens.now(), scopes);
    const { record, token } = await tokens.create(input, actorOf(event));
    const { guid, name, ...rest } = serviceTokenView(record);
    return json(201, { guid, name, key: token, ...rest });
  },
  { body: true, tokenCheck: tokenCheck() },
);
