import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AppError, ErrorCode } from '../errors';

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body sent as it is (the PEM key route), with its own content-type header. */
  raw?: string;
}

export const ok = (body: unknown): HttpResult => ({ status: 200, body });
export const created = (body: unknown): HttpResult => ({ status: 201, body });
export const noContent = (): HttpResult => ({ status: 204 });
export const pem = (text: string): HttpResult => ({
  status: 200,
  raw: text,
  headers: { 'content-type': 'application/x-pem-file', 'cache-control': 'public, max-age=300' },
});

export const GENERIC_MESSAGE = 'Something went wrong on our side.';

const SECURITY_HEADERS: Record<string, string> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

export function toResult(statusCode: number, body: unknown, headers?: Record<string, string>): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

export function errorBody(code: ErrorCode, message: string, error?: AppError) {
  return {
    error: code,
    message,
    ...(error?.details === undefined ? {} : { details: error.details }),
    ...(error?.extra ?? {}),
  };
}

/** The contract's answer to an error the client may see (below 500: its message is shown). */
export function errorResult(error: AppError): APIGatewayProxyStructuredResultV2 {
  const message = error.status === 500 ? GENERIC_MESSAGE : error.message;
  return toResult(error.status, errorBody(error.code, message, error.status === 500 ? undefined : error), error.headers);
}
