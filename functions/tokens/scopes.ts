// GET /v1/scopes: the deployment's scope catalogue.
import { scopeCatalogue } from '#api/native-tokens';
import { scopes } from '#functions/commons/catalogue';
import { httpHandler, json } from '#functions/commons/http';
import { FUNCTIONS } from '#spec/functions';

export const handler = httpHandler(FUNCTIONS.listScopes.face, async () => json(200, scopeCatalogue(scopes)));
