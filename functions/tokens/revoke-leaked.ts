// POST /v1/tokens/revoke, unauthenticated: whoever holds a leaked token can revoke it. Always 202,
// so the answer tells nobody whether a token existed.
import { MAX_LEAKED_BODY_BYTES, parseRevokeLeaked } from '#api/native-tokens';
import { httpHandler, json } from '#functions/commons/http';
import { tokens } from '#functions/commons/runtime';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(
  FUNCTIONS.revokeLeakedTokens.face,
  async (event) => {
    await tokens.revokeLeaked(parseRevokeLeaked(event.body));
    return json(202, {});
  },
  { body: true, maxBodyBytes: MAX_LEAKED_BODY_BYTES },
);
