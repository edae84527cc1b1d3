// GET /v1/tokens/{id}
import { tokenView } from '../../shared/domain/token';
import { TOKEN_ID_PATTERN } from '../../shared/domain/token-format';
import { httpHandler, json, pathParameter } from '../commons/http';
import { tokens } from '../commons/runtime';

export const handler = httpHandler('native', async (event) => {
  const record = await tokens.get(pathParameter(event, 'id', TOKEN_ID_PATTERN));
  return json(200, tokenView(record, tokens.now()));
});
