import { http } from '../../shared/http/handler';
import { docsOpenapi } from '../../shared/http/operations/public';
import { ok } from '../../shared/http/responses';
import { openApiDocument } from '../../shared/openapi/document';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = http(docsOpenapi).handler(async () => {
  document ??= openApiDocument();
  return ok(document);
});
