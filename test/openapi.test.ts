import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { routes } from '../infra/routes';
import { genericErrors, type Contract } from '../shared/http/contract';
import { operations } from '../shared/http/operations';
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
      const { handler } = (await import(/* @vite-ignore */ `../${route.entry}`)) as { handler: { contract: Contract } };
      const doc = operations[route.id] as Contract;
      expect(doc, route.id).toBeDefined();
      expect(handler.contract.id, route.id).toBe(route.id);
      for (const part of ['body', 'query', 'pathSchema', 'response'] as const) {
        expect(handler.contract[part], `${route.id} ${part}`).toBe(doc[part]);
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
    const schema = health.responses['503'].content['application/json'].schema;
    // The health body, and (the route reads the table) the dependency_unavailable error body.
    expect(schema.oneOf[0].properties.status).toBeDefined();
    expect(schema.oneOf[1]).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('documents the errors the pipeline adds, derived from what each operation asks of it', () => {
    const document = openApiDocument();
    for (const contract of Object.values(operations) as Contract[]) {
      const responses = (document.paths[contract.path] as any)[contract.method.toLowerCase()].responses;
      const described = Object.values(responses)
        .map((response: any) => response.description)
        .join(', ');
      for (const code of genericErrors(contract)) expect(described, `${contract.id} ${code}`).toContain(code);
    }
    const start = (document.paths['/api/calls/start'] as any).post.responses;
    expect(start['415'].description).toContain('unsupported_media_type');
    expect(start['413'].description).toContain('payload_too_large');
    expect(start['429'].description).toContain('rate_limited');
    expect(start['503'].description).toContain('feature_disabled');
    expect(start['503'].description).toContain('dependency_unavailable');
    const config = (document.paths['/api/calls/config'] as any).get.responses;
    expect(config['401']).toBeUndefined();
    expect(config['415']).toBeUndefined();
  });

  it('states the bad-input rules a client meets', () => {
    const document = openApiDocument();
    expect(document.info.description).toContain('application/json');
    expect(document.info.description).toContain('415');
    expect(document.components.securitySchemes.bearer.description).toMatch(/case-insensitive/);
    expect((document.paths['/api/threads'] as any).post.requestBody.description).toContain('16 KiB');
  });

  it('names the same path parameters in each path and its path schema', () => {
    for (const contract of Object.values(operations) as Contract[]) {
      const inPath = [...contract.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1]).sort();
      const schema = contract.pathSchema ? (z.toJSONSchema(contract.pathSchema) as { properties: object }) : { properties: {} };
      expect(Object.keys(schema.properties).sort(), contract.id).toEqual(inPath);
    }
  });
});
