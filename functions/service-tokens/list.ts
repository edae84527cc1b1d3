// GET /__api__/v1/system/service-tokens: the service tokens that still work.
import { serviceTokenView } from '#api/service-tokens';
import { httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { tokenCheck } from '#functions/commons/token-check';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.listServiceTokens.face,
  async () => {
    const active = await tokens.listActive('service');
    return json(200, active.map(serviceTokenView));
  },
  { tokenCheck: tokenCheck() },
);
