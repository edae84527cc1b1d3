// GET /v1/scopes: the scope catalogue.
import { scopeCatalogue } from '#api/native-tokens';
import { httpHandler, json } from '#functions/commons/http';

export const handler = httpHandler('native', async () => json(200, scopeCatalogue()));
