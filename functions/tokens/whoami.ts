// GET /v1/whoami: the caller's own token object, for any valid token.
import { NotFoundError } from '#domain/errors';
import { tokenView } from '#domain/token';
import { actorOf, httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.whoami.face, async (event) => {
  const caller = actorOf(event);
  if (caller.type !== 'token') throw new NotFoundError('The caller is not a token', 'authorization');
  return json(200, tokenView(await tokens.get(caller.id), tokens.now()));
});
