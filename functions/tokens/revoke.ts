// POST /v1/tokens/{id}/revoke: permanent; revoking again changes nothing.
import { tokenView } from '../../shared/domain/token';
import { TOKEN_ID_PATTERN } from '../../shared/domain/token-format';
import { callerOf, httpHandler, json, pathParameter } from '../commons/http';
import { tokens } from '../commons/runtime';

export const handler = httpHandler('native', async (event) => {
  const record = await tokens.revoke(pathParameter(event, 'id', TOKEN_ID_PATTERN), callerOf(event));
  return json(200, tokenView(record, tokens.now()));
});
