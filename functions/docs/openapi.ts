import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { openApiDocument } from '../../shared/openapi/document';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = http({ operation: 'docs.openapi' }).handler(async () => {
  document ??= openApiDocument();
  return ok(document);
});
