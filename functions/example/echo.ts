// The example protected API: answers with what the authorizer passed on, as a backend would see it.
import { httpHandler, json } from '#functions/commons/http';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.echo.face, async (event) => {
  const context = event.requestContext.authorizer ?? {};
  return json(200, {
    token_id: context.token_id ?? null,
    kind: context.kind ?? null,
    scopes: typeof context.scopes === 'string' ? JSON.parse(context.scopes) : [],
    principal: context.principal ?? null,
  });
});
