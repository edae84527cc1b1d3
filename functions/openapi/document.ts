// GET /openapi.json: the OpenAPI 3.1 document, generated once per process.
import { openApiDocument } from '#api/openapi';
import { scopes } from '#functions/commons/catalogue';
import { httpHandler, json } from '#functions/commons/http';
import { FUNCTIONS } from '#spec/functions';
import { ROUTES } from '#spec/routes';

const document = openApiDocument(ROUTES, scopes);

export const handler = httpHandler(FUNCTIONS.openApi.face, async () => json(200, document));
