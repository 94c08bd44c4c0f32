import { describe, expect, it } from 'vitest';
import { routes } from '../infra/routes';
import { operationDocs } from '../shared/openapi/operations';
import { openApiDocument } from '../shared/openapi/document';

describe('OpenAPI document', () => {
  it('describes every route of the route table', () => {
    const document = openApiDocument();
    expect(document.openapi).toBe('3.1.0');
    for (const route of routes) {
      const operation = (document.paths[route.path] as Record<string, any>)?.[route.method.toLowerCase()];
      expect(operation, route.id).toBeDefined();
      expect(operation.operationId).toBe(route.id);
      if (route.auth === 'public') expect(operation.security).toEqual([]);
    }
  });

  it('uses the very schemas each handler validates with', async () => {
    for (const route of routes) {
      const { handler } = (await import(/* @vite-ignore */ `../${route.entry}`)) as { handler: { spec: Record<string, unknown> } };
      const doc = operationDocs[route.id];
      expect(doc, route.id).toBeDefined();
      for (const part of ['body', 'query', 'path'] as const) {
        expect(handler.spec[part], `${route.id} ${part}`).toBe(doc?.[part]);
      }
    }
  });

  it('rejects unknown body fields in the schema it publishes', () => {
    const start = (openApiDocument().paths['/api/calls/start'] as any).post;
    expect(start.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(start.responses['409'].description).toContain('call_in_progress');
  });

  it("documents the health routes' 503 with the health body, not the error body", () => {
    const health = (openApiDocument().paths['/api/calls/health/coturn'] as any).get;
    expect(health.responses['503'].content['application/json'].schema.properties.status).toBeDefined();
  });
});
