import * as z from 'zod/mini';
import { routes, type RouteDefinition } from '../../infra/routes';
import { ERROR_STATUS, type ErrorCode } from '../errors';
import { operationDocs } from './operations';

const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', enum: Object.keys(ERROR_STATUS) },
    message: { type: 'string' },
    details: { description: 'For validation_error: which field, what was wrong.' },
    call_id: { type: 'string', description: 'For call_in_progress: the active call.' },
  },
};

function parameters(route: RouteDefinition, doc: (typeof operationDocs)[string]) {
  const list: Record<string, unknown>[] = [];
  for (const [location, schema] of [
    ['path', doc.path],
    ['query', doc.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      list.push({ name, in: location, required: location === 'path' || (object.required ?? []).includes(name), schema: property });
    }
  }
  return list;
}

function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'internal_error' as const])
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      { description: list.join(', '), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
}

/** OpenAPI 3.1 for every route of the route table, from the schemas that validate the requests. */
export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes as readonly RouteDefinition[]) {
    const doc = operationDocs[route.id];
    if (!doc) throw new Error(`No OpenAPI description for ${route.id}`);
    const operation: Record<string, unknown> = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.id.split('.')[0]],
      ...(route.auth === 'user' ? {} : { security: [] }),
      parameters: parameters(route, doc),
      ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } } } : {}),
      responses: {
        [String(doc.status)]: {
          description: doc.status === 204 ? 'No content' : 'OK',
          ...(doc.response ? { content: { 'application/json': { schema: jsonSchema(doc.response, 'output') } } } : {}),
        },
        ...errorResponses(doc.errors),
        ...Object.fromEntries(
          Object.entries(doc.alternate ?? {}).map(([status, alternate]) => [
            status,
            { description: alternate.description, content: { 'application/json': { schema: jsonSchema(alternate.response, 'output') } } },
          ]),
        ),
      },
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Jitsi calls API', version: '1.0.0', description: 'Thread calls and live classes on self-hosted Jitsi Meet.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}
