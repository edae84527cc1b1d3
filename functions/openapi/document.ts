// GET /openapi.json: the OpenAPI 3.1 document, generated once per process.
import { openApiDocument } from '../../shared/api/openapi';
import { httpHandler, json } from '../commons/http';

const document = openApiDocument();

export const handler = httpHandler('native', async () => json(200, document));
