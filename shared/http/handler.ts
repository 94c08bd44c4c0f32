import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { routeById, type OperationId } from '../../infra/routes';
import { getConfig } from '../config';
import { AppError, featureDisabled, validationError, type ErrorCode } from '../errors';
import { logger } from '../observability/logger';
import { recordRequestOutcome } from '../observability/metrics';
import { authenticate, type Caller } from './auth';
import type { HttpResult } from './responses';

export const MAX_BODY_BYTES = 16 * 1024;
const GENERIC_MESSAGE = 'Something went wrong on our side.';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;
type Schema = z.ZodMiniType;
type Output<S> = S extends Schema ? z.output<S> : undefined;

export interface HttpSpec<B, Q, P> {
  operation: OperationId;
  body?: B;
  query?: Q;
  path?: P;
}

export interface HttpRequest<B, Q, P> {
  body: Output<B>;
  query: Output<Q>;
  path: Output<P>;
  caller: Caller;
  event: Event;
}

interface PipelineState {
  startedAt: number;
  parsed?: { body: unknown; query: unknown; path: unknown; caller: Caller | undefined };
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

const states = new WeakMap<object, PipelineState>();
const stateOf = (request: { event: unknown }): PipelineState => {
  let state = states.get(request.event as object);
  if (!state) {
    state = { startedAt: Date.now() };
    states.set(request.event as object, state);
  }
  return state;
};

function validationDetails(error: z.core.$ZodError, location: string) {
  return error.issues.map((issue) => ({
    field: [location, ...issue.path.map(String)].join('.'),
    problem: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

function parseWith<S extends Schema>(schema: S, value: unknown, location: string): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw validationError(`The request ${location} is not valid.`, validationDetails(result.error, location));
  return result.data;
}

function readJsonBody(event: Event): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new AppError('payload_too_large', `The body is over ${MAX_BODY_BYTES / 1024} KiB.`);
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw validationError('The body is not valid JSON.', [{ field: 'body', problem: 'malformed JSON' }]);
  }
}

const NO_BODY = z.optional(z.strictObject({}));
const NO_QUERY = z.optional(z.strictObject({}));

function requestParser<B, Q, P>(spec: HttpSpec<B, Q, P>): MiddlewareObj<Event, Result> {
  const route = routeById(spec.operation);
  return {
    before: async (request) => {
      const config = getConfig();
      const state = stateOf(request);
      if (route.callsSwitch && !config.CALLS_ENABLED) throw featureDisabled();
      // Size and JSON syntax first: a 413 or malformed body is answered before any token work.
      const rawBody = readJsonBody(request.event);
      const caller = route.auth === 'user' ? await authenticate(request.event, config) : undefined;
      const body = parseWith((spec.body as Schema | undefined) ?? NO_BODY, rawBody, 'body');
      const query = parseWith((spec.query as Schema | undefined) ?? NO_QUERY, request.event.queryStringParameters ?? {}, 'query');
      const path = spec.path ? parseWith(spec.path as unknown as Schema, request.event.pathParameters ?? {}, 'path') : undefined;
      state.parsed = { body, query, path, caller };
    },
  };
}

function errorResponder(operation: OperationId): MiddlewareObj<Event, Result> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof AppError && error.status < 500) {
        request.response = toResult(error.status, errorBody(error.code, error.message, error), error.headers);
        return;
      }
      if (error instanceof AppError) {
        logger.error('request failed', { operation, error_code: error.code, message: error.message, error: error.cause ?? error });
        // A 503's message says what to retry; a 500's may describe configuration: keep that in the log.
        const message = error.status === 500 ? GENERIC_MESSAGE : error.message;
        request.response = toResult(error.status, errorBody(error.code, message, error.status === 500 ? undefined : error), error.headers);
        return;
      }
      // Anything unexpected: logged in full, answered with nothing the client could misuse.
      logger.error('unhandled error', { operation, error });
      request.response = toResult(500, errorBody('internal_error', GENERIC_MESSAGE));
    },
  };
}

function errorBody(code: ErrorCode, message: string, error?: AppError) {
  return {
    error: code,
    message,
    ...(error?.details === undefined ? {} : { details: error.details }),
    ...(error?.extra ?? {}),
  };
}

function toResult(statusCode: number, body: unknown, headers?: Record<string, string>): Result {
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

function observability(operation: OperationId): MiddlewareObj<Event, Result> {
  const finish = (request: { event: Event; response?: Result | null | undefined; error?: unknown }) => {
    const state = stateOf(request);
    const status = request.response?.statusCode ?? 500;
    // A handler may answer >= 400 on purpose (a health route's 503): only a thrown error is a failure.
    const errorCode = request.error === undefined || request.error === null ? undefined : errorCodeOf(request.error, status);
    recordRequestOutcome({ operation, errorCode });
    logger.info('request', {
      operation,
      status,
      error_code: errorCode,
      user_id: state.parsed?.caller?.userId,
      latency_ms: Date.now() - state.startedAt,
      request_id: request.event.requestContext?.requestId,
    });
  };
  return {
    before: async (request) => {
      stateOf(request);
    },
    after: async (request) => finish(request),
    onError: async (request) => finish(request),
  };
}

function errorCodeOf(error: unknown, status: number): ErrorCode {
  if (error instanceof AppError) return error.code;
  return status >= 500 ? 'internal_error' : 'validation_error';
}

/**
 * The one place that orders the middleware: observability, error responder (its onError runs
 * before observability's), request parsing (calls switch, body size, JSON, auth, zod).
 */
export function http<
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
>(spec: HttpSpec<B, Q, P>) {
  return {
    handler(run: (request: HttpRequest<B, Q, P>) => Promise<HttpResult>) {
      const lambda = middy<Event, Result, Error, Context>()
        .use(observability(spec.operation))
        .use(errorResponder(spec.operation))
        .use(requestParser(spec))
        .handler(async (event) => {
          const parsed = stateOf({ event }).parsed;
          if (!parsed) throw new Error('request was not parsed');
          const result = await run({ ...(parsed as Omit<HttpRequest<B, Q, P>, 'event'>), event });
          return toResult(result.status, result.body, result.headers);
        });
      // Exposed so a test can check the OpenAPI document describes the schemas that validate.
      return Object.assign(lambda, { spec });
    },
  };
}
