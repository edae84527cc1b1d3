// GET /__api__/v1/system/service-tokens/scopes
import { serviceTokenScopes } from '#api/service-tokens';
import { scopes } from '#functions/commons/catalogue';
import { httpHandler, json } from '#functions/commons/http';
import { tokenCheck } from '#functions/commons/token-check';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.listServiceTokenScopes.face,
  async () => json(200, serviceTokenScopes(scopes)),
  { tokenCheck: tokenCheck() },
);
