import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import * as z from 'zod/mini';
import { ensureTable, localDynamoClient } from '../../infra/local/dynamodb-local';
import { compilePath } from '../../infra/local/api-event';
import { localAuthorizer, type Authorize } from '../../infra/local/authorizer';
import { invokeRoute, type LambdaHandler } from '../../infra/local/gateway';
import { localIssuer, type LocalIssuer } from '../../infra/local/local-issuer';
import { routes, type ApiRoute, type OperationId } from '../../infra/routes';
import { resetConfigForTests } from '../../shared/config';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors';
import { declaredErrors } from '../../shared/http/contract';
import { operations } from '../../shared/http/operations';

// Calls the real handlers with API Gateway v2 events, the way the local server and AWS do: the
// harness plays the JWT authorizer's part (infra/local/authorizer.ts) on `user` routes.

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
  raw: string;
}

export interface TestUser {
  sub: string;
  name?: string;
  email?: string;
  roles?: string[];
}

let issuer: LocalIssuer | undefined;
let authorize: Authorize | undefined;

/** The test issuer's private JWK, so a test can sign tokens with wrong claims under the right key. */
export const issuerKeyFile = () => join(process.env.DATA_DIR as string, 'test-issuer-key.json');

/** Points the harness's authorizer at a fresh local issuer and creates this file's table. Call once in beforeAll. */
export async function setupApi(): Promise<LocalIssuer> {
  issuer = await localIssuer('https://issuer.test.example', { keyFile: issuerKeyFile() });
  authorize = localAuthorizer({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks });
  resetConfigForTests();
  await ensureTable(localDynamoClient(process.env.DYNAMODB_ENDPOINT as string), process.env.TABLE_NAME as string);
  return issuer;
}

/** The authorizer's settings, as the stack gives API Gateway's; tests sign wrong claims from them. */
export function authorizerSettings(): { issuer: string; audience: string } {
  if (!issuer) throw new Error('call setupApi() first');
  return { issuer: issuer.issuer, audience: issuer.audience };
}

export async function bearer(user: TestUser): Promise<string> {
  if (!issuer) throw new Error('call setupApi() first');
  return issuer.sign(user);
}

const handlers = new Map<string, Promise<LambdaHandler>>();

function handlerFor(route: ApiRoute) {
  let loaded = handlers.get(route.id);
  if (!loaded) {
    loaded = import(/* @vite-ignore */ `../../${route.entry}`).then((module: { handler: LambdaHandler }) => module.handler);
    handlers.set(route.id, loaded);
  }
  return loaded;
}

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

export interface CallOptions {
  as?: TestUser | string | null;
  params?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  query?: string;
  headers?: Record<string, string>;
}

/** Every answer this file's tests saw, checked against the contracts after the file's tests. */
const seen: { operation: OperationId; status: number; body: unknown }[] = [];

/** Invokes one operation's handler. `as` is a user (signed here), a raw Authorization value, or null. */
export async function call<T = any>(operation: OperationId | string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const route = routes.find((candidate) => candidate.id === operation);
  if (!route) throw new Error(`no route ${operation}`);
  if (!authorize) throw new Error('call setupApi() first');
  const params = options.params ?? {};
  const rawPath = route.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  if (!compilePath(route.path)(rawPath)) throw new Error(`bad params for ${operation}`);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (typeof options.as === 'string') headers.authorization = options.as;
  else if (options.as) headers.authorization = `Bearer ${await bearer(options.as)}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const result: APIGatewayProxyStructuredResultV2 = await invokeRoute(
    route,
    { method: route.method, rawPath, rawQueryString: options.query ?? '', headers, ...(body === undefined ? {} : { body }) },
    params,
    authorize,
    await handlerFor(route),
  );
  const raw = typeof result.body === 'string' ? result.body : '';
  const response = {
    status: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    // The key route answers a PEM, not JSON.
    body: raw && !String(result.headers?.['content-type']).startsWith('application/x-pem-file') ? JSON.parse(raw) : undefined,
    raw,
  };
  seen.push({ operation: route.id, status: response.status, body: response.body });
  return response;
}

/** What a seen answer breaks in its operation's contract, or undefined when it keeps to it. */
export function contractViolation({ operation, status, body }: (typeof seen)[number]): string | undefined {
  const contract = operations[operation];
  const alternate = (contract as { alternate?: Record<number, { response: z.ZodMiniType }> }).alternate?.[status];
  const code = (body as { error?: string } | undefined)?.error as ErrorCode | undefined;
  if (alternate && code === undefined) {
    const parsed = z.safeParse(alternate.response, body);
    return parsed.success ? undefined : `${operation} ${status}: body does not match its schema: ${parsed.error.message}`;
  }
  if (status < 400) {
    if (status !== contract.status) return `${operation} answered ${status}, its contract says ${contract.status}`;
    const schema = (contract as { response?: z.ZodMiniType }).response;
    if (!schema) return status === 204 && body !== undefined ? `${operation} 204 with a body` : undefined;
    const parsed = z.safeParse(schema, body);
    return parsed.success ? undefined : `${operation} ${status}: body does not match its response schema: ${parsed.error.message}`;
  }
  if (!code || !(code in ERROR_STATUS)) return `${operation} ${status}: no contract error code`;
  if (ERROR_STATUS[code] !== status) return `${operation}: ${code} answered with ${status}, not ${ERROR_STATUS[code]}`;
  if (!declaredErrors(contract).has(code)) return `${operation}: ${code} is not declared in its contract`;
  return undefined;
}

// Registered by every test file that imports the harness.
afterAll(() => {
  const problems = [...new Set(seen.map(contractViolation).filter((problem) => problem !== undefined))];
  expect(problems, 'answers that break their operation contract').toEqual([]);
});
