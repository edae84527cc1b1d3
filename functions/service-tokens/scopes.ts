// GET /__api__/v1/system/service-tokens/scopes
import { serviceTokenScopes } from '#api/service-tokens';
import { httpHandler, json } from '#functions/commons/http';

export const handler = httpHandler('connect', async () => json(200, serviceTokenScopes()));
