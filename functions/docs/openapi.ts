import { http } from '../../shared/http/handler';
import { publicOperations } from '../../shared/http/operations/public';
import { ok } from '../../shared/http/responses';
import { openApiDocument } from '../../shared/openapi/document';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = http(publicOperations['docs.openapi']).handler(async () => {
  document ??= openApiDocument();
  return ok(document);
});
