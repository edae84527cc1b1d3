// GET /openapi.json: the OpenAPI 3.1 document, generated once per process.
import { openApiDocument } from '#api/openapi';
import { httpHandler, json } from '#functions/commons/http';
import { FUNCTIONS } from '#spec/routes';

const document = openApiDocument();

export const handler = httpHandler(FUNCTIONS.openApi.face, async () => json(200, document));
