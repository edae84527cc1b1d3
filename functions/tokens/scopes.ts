// GET /v1/scopes: the scope catalogue.
import { scopeCatalogue } from '../../shared/api/native-tokens';
import { httpHandler, json } from '../commons/http';

export const handler = httpHandler('native', async () => json(200, scopeCatalogue()));
