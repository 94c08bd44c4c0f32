import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { getConfig } from '../config';
import { AppError, dependencyUnavailable, featureDisabled, validationError, type ErrorCode } from '../errors';
import { logger } from '../observability/logger';
import { invocationMetrics, recordRequestOutcome } from '../observability/metrics';
import { callerFromAuthorizer, type Caller } from './auth';
import { requireEventsSecret } from './events-secret';
import { requireJaasSignature } from './jaas-signature';
import type { Contract } from './contract';
import { MAX_BODY_BYTES } from './limits';
import { errorBody, errorResult, GENERIC_MESSAGE, toResult, type HttpResult } from './responses';

export { MAX_BODY_BYTES };

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;
type Schema = z.ZodMiniType;
type Parsed<C, K extends string> = C extends { readonly [P in K]: infer S extends Schema } ? z.output<S> : undefined;

/** What the request parser puts on middy's context: the handler reads only this. */
export interface HttpInput<C extends Contract> {
  body: Parsed<C, 'body'>;
  query: Parsed<C, 'query'>;
  path: Parsed<C, 'pathSchema'>;
  caller: C['auth'] extends 'user' ? Caller : undefined;
  event: Event;
}

export interface HttpContext<C extends Contract> extends Context {
  input: HttpInput<C>;
  startedAt: number;
}

type Middleware<C extends Contract> = MiddlewareObj<Event, Result, Error, HttpContext<C>>;

function validationDetails(error: z.core.$ZodError, location: string) {
  return error.issues.map((issue) => ({
    field: [location, ...issue.path.map(String)].join('.'),
    problem: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

function parseWith(schema: Schema, value: unknown, location: string): unknown {
  const result = z.safeParse(schema, value);
  if (!result.success) throw validationError(`The request ${location} is not valid.`, validationDetails(result.error, location));
  return result.data;
}

// RFC 8259 JSON is UTF-8: a charset parameter, if any, must say so.
const JSON_MEDIA_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

function rawBody(event: Event): Buffer | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

function readJsonBody(event: Event): unknown {
  const raw = rawBody(event);
  if (raw === undefined) return undefined;
  if (raw.byteLength > MAX_BODY_BYTES) throw new AppError('payload_too_large', `The body is over ${MAX_BODY_BYTES / 1024} KiB.`);
  const type = event.headers?.['content-type'] ?? event.headers?.['Content-Type'];
  if (!type || !JSON_MEDIA_TYPE.test(type.trim())) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json (UTF-8).');
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw validationError('The body is not valid JSON.', [{ field: 'body', problem: 'malformed JSON' }]);
  }
}

/** A route without a body takes none; clients that always send `{}` are let through. */
function refuseBody(event: Event): void {
  const raw = rawBody(event)?.toString('utf8').trim();
  if (raw && raw !== '{}') throw validationError('This operation takes no body.', [{ field: 'body', problem: 'must be empty' }]);
}

const NO_QUERY = z.strictObject({});

function requestParser<C extends Contract>(contract: C): Middleware<C> {
  return {
    before: async (request) => {
      const { event } = request;
      if (contract.callsSwitch && !getConfig().CALLS_ENABLED) throw featureDisabled();
      // The authorizer's claims first: a caller it let through with an unusable subject gets 401, not 400.
      const caller = contract.auth === 'user' ? callerFromAuthorizer(event, getConfig().ROLES_CLAIM) : undefined;
      if (contract.bearer) await requireEventsSecret(event);
      // Verified over the bytes as sent, before anything is parsed.
      if (contract.signature === 'jaas') await requireJaasSignature(event, rawBody(event)?.toString('utf8') ?? '');
      let body: unknown;
      if (contract.body) body = parseWith(contract.body, readJsonBody(event), 'body');
      else refuseBody(event);
      const query = parseWith(contract.query ?? NO_QUERY, event.queryStringParameters ?? {}, 'query');
      const path = contract.pathSchema ? parseWith(contract.pathSchema, event.pathParameters ?? {}, 'path') : undefined;
      request.context.input = { body, query, path, caller, event } as HttpInput<C>;
    },
  };
}

function errorResponder<C extends Contract>(contract: C): Middleware<C> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof AppError) {
        // A 503's message says what to retry; a 500's may describe configuration: keep that in the log.
        if (error.status >= 500)
          logger.error('request failed', {
            operation: contract.id,
            error_code: error.code,
            message: error.message,
            error: error.cause ?? error,
          });
        request.response = errorResult(error);
        return;
      }
      // Anything unexpected: logged in full, answered with nothing the client could misuse.
      logger.error('unhandled error', { operation: contract.id, error });
      request.response = toResult(500, errorBody('internal_error', GENERIC_MESSAGE));
    },
  };
}

function errorCodeOf(error: unknown, status: number): ErrorCode {
  if (error instanceof AppError) return error.code;
  return status >= 500 ? 'internal_error' : 'validation_error';
}

function requestLog<C extends Contract>(contract: C): Middleware<C> {
  const finish = (request: { response: Result | null; error: unknown; context: HttpContext<C>; event: Event }) => {
    const status = request.response?.statusCode ?? 500;
    // A handler may answer >= 400 on purpose (a health route's 503): only a thrown error is a failure.
    const errorCode = request.error === undefined || request.error === null ? undefined : errorCodeOf(request.error, status);
    recordRequestOutcome({ outcome: contract.outcome, errorCode });
    logger.info('request', {
      operation: contract.id,
      status,
      error_code: errorCode,
      user_id: (request.context.input?.caller as Caller | undefined)?.userId,
      latency_ms: Date.now() - request.context.startedAt,
      request_id: request.event.requestContext?.requestId,
    });
  };
  return {
    before: async (request) => {
      request.context.startedAt = Date.now();
    },
    after: async (request) => finish(request),
    onError: async (request) => finish(request),
  };
}

/**
 * The one place that orders the middleware. Befores run top down: Lambda context on the logger,
 * metrics, the request log, the error responder, then parsing (calls switch, the authorizer's claims, body size,
 * media type, JSON, zod). Afters and onErrors run bottom up, so the responder's answer
 * is logged and counted, and logMetrics flushes one EMF document last.
 */
export function http<const C extends Contract>(contract: C) {
  return {
    handler(run: (input: HttpInput<C>) => Promise<HttpResult>) {
      // Out of time (a crowd, a slow dependency): answered as the transient failure it is, with
      // Retry-After, a moment before Lambda would cut the function off with no answer at all.
      const lambda = middy<Event, Result, Error, HttpContext<C>>({
        timeoutEarlyInMillis: 500,
        timeoutEarlyResponse: () => {
          throw dependencyUnavailable('The service', new Error('the function ran out of time'));
        },
      })
        // Events carry bearer tokens: never log them.
        .use(injectLambdaContext(logger, { logEvent: false }) as Middleware<C>)
        .use(invocationMetrics() as Middleware<C>)
        .use(requestLog(contract))
        .use(errorResponder(contract))
        .use(requestParser(contract))
        .handler(async (_event, context) => {
          const result = await run(context.input);
          if (result.raw !== undefined) return { ...toResult(result.status, undefined, result.headers), body: result.raw };
          return toResult(result.status, result.body, result.headers);
        });
      // Exposed so tests can check a handler answers for the contract it was declared with.
      return Object.assign(lambda, { contract });
    },
  };
}
