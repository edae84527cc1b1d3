// POST /v1/tokens/self/rotate: any valid token rotates itself (how a scheduled job holding only its
// own token renews it). The successor copies its scopes and expiry (a new expiry may only come
// sooner), so nothing is widened or extended.
import { parseRotateToken } from '#api/native-tokens';
import { NotFoundError } from '#domain/errors';
import { tokenView } from '#domain/token';
import { actorOf, httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.rotateSelfToken.face,
  async (event) => {
    const caller = actorOf(event);
    if (caller.type !== 'token') throw new NotFoundError('The caller is not a token', 'authorization');
    const { graceSeconds, expiresAt } = parseRotateToken(event.body, tokens.now());
    const { record, token, previousAcceptedUntil } = await tokens.rotate(caller.id, {
      graceSeconds,
      expiresAt,
      actor: caller,
    });
    return json(201, {
      ...tokenView(record, tokens.now()),
      token,
      previous_accepted_until: previousAcceptedUntil,
    });
  },
  { body: 'optional' },
);
