// POST /v1/tokens/{id}/rotate: a new token in place of the old one, which works on for the grace.
import { parseRotateToken } from '#api/native-tokens';
import { tokenView } from '#domain/token';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { actorOf, httpHandler, json, pathParameter } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.rotateToken.face,
  async (event) => {
    const id = pathParameter(event, 'id', TOKEN_ID_PATTERN);
    const { graceSeconds, expiresAt } = parseRotateToken(event.body, tokens.now());
    const { record, token, previousAcceptedUntil } = await tokens.rotate(id, {
      graceSeconds,
      expiresAt,
      actor: actorOf(event),
    });
    return json(201, {
      ...tokenView(record, tokens.now()),
      token,
      previous_accepted_until: previousAcceptedUntil,
    });
  },
  { body: 'optional' },
);
