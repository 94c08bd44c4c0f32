import * as z from 'zod/mini';
import { ERROR_STATUS, type ErrorCode } from '../errors';
import { declaredErrors, type Contract } from '../http/contract';
import { MAX_BODY_BYTES } from '../http/limits';
import { operations } from '../http/operations';

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

// The bad-input rules a client meets, stated once here and in the responses they explain.
const BODY_RULES =
  `A body is JSON sent as \`content-type: application/json\` (a charset, if given, must be utf-8); ` +
  `anything else is 415 unsupported_media_type. At most ${MAX_BODY_BYTES / 1024} KiB (413 payload_too_large). ` +
  'Unknown fields are 400 validation_error. An operation without a request body accepts none (an empty `{}` is let through).';
const AUTH_RULES =
  "Send `Authorization: Bearer <JWT>`; the scheme is case-insensitive (RFC 7235: bearer, BEARER). Deployed, API Gateway's " +
  'JWT authorizer checks it (it also takes a bare token), limits the request line and headers to 10 KiB, and answers a bad ' +
  'bearer itself with 401 {"message":"Unauthorized"}. The local server answers the contract 401, also for a bearer over ' +
  '16 KiB; headers over 64 KiB in all get a bare 431.';

const ERROR_NOTES: Partial<Record<ErrorCode, string>> = {
  unsupported_media_type: 'the body is not application/json',
  payload_too_large: `the body is over ${MAX_BODY_BYTES / 1024} KiB`,
};

type Response = { description: string; content: { 'application/json': { schema: unknown } } };

function parameters(contract: Contract) {
  const list: Record<string, unknown>[] = [];
  for (const [location, schema] of [
    ['path', contract.pathSchema],
    ['query', contract.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      list.push({ name, in: location, required: location === 'path' || (object.required ?? []).includes(name), schema: property });
    }
  }
  return list;
}

function errorResponses(contract: Contract): Record<string, Response> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
    if (declaredErrors(contract).has(code)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  }
  const responses: Record<string, Response> = {};
  for (const [status, codes] of byStatus) {
    const description = codes.map((code) => (ERROR_NOTES[code] ? `${code} (${ERROR_NOTES[code]})` : code)).join(', ');
    responses[String(status)] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  // An answer with its own body (a health route's 503) shares its status with the error body.
  for (const [status, alternate] of Object.entries(contract.alternate ?? {})) {
    const own = jsonSchema(alternate.response, 'output');
    const error = responses[status];
    responses[status] = error
      ? {
          description: `${alternate.description}; or ${error.description}`,
          content: { 'application/json': { schema: { oneOf: [own, error.content['application/json'].schema] } } },
        }
      : { description: alternate.description, content: { 'application/json': { schema: own } } };
  }
  return responses;
}

/** OpenAPI 3.1 for every operation contract, from the schemas that validate the requests. */
export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const contract of Object.values(operations) as Contract[]) {
    const operation: Record<string, unknown> = {
      operationId: contract.id,
      summary: contract.summary,
      tags: [contract.id.split('.')[0]],
      ...(contract.auth === 'user' ? {} : { security: [] }),
      parameters: parameters(contract),
      ...(contract.body
        ? {
            requestBody: {
              required: true,
              description: BODY_RULES,
              content: { 'application/json': { schema: jsonSchema(contract.body, 'input') } },
            },
          }
        : {}),
      responses: {
        [String(contract.status)]: {
          description: contract.status === 204 ? 'No content' : 'OK',
          ...(contract.response ? { content: { 'application/json': { schema: jsonSchema(contract.response, 'output') } } } : {}),
        },
        ...errorResponses(contract),
      },
    };
    paths[contract.path] = { ...paths[contract.path], [contract.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Jitsi calls API',
      version: '1.0.0',
      description: `Thread calls and live classes on self-hosted Jitsi Meet.\n\nBodies: ${BODY_RULES}\n\nAuthentication: ${AUTH_RULES}`,
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: AUTH_RULES } },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}
