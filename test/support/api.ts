import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { join } from 'node:path';
import { ensureTable, localDynamoClient } from '../../infra/local/dynamodb-local';
import { apiGatewayEvent, compilePath } from '../../infra/local/api-event';
import { localIssuer, type LocalIssuer } from '../../infra/local/local-issuer';
import { routes, type OperationId, type RouteDefinition } from '../../infra/routes';
import { resetConfigForTests } from '../../shared/config';
import { resetAuthForTests } from '../../shared/http/auth';

// Calls the real handlers with API Gateway v2 events, the way the local server and AWS do.

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

/** The test issuer's private JWK, so a test can sign tokens with wrong claims under the right key. */
export const issuerKeyFile = () => join(process.env.DATA_DIR as string, 'test-issuer-key.json');

/** Points auth at a fresh local issuer and creates this file's table. Call once in beforeAll. */
export async function setupApi(): Promise<LocalIssuer> {
  issuer = await localIssuer('https://issuer.test.example', { keyFile: issuerKeyFile() });
  Object.assign(process.env, {
    AUTH_MODE: 'jwks',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS: JSON.stringify(issuer.jwks),
  });
  resetConfigForTests();
  resetAuthForTests();
  await ensureTable(localDynamoClient(process.env.DYNAMODB_ENDPOINT as string), process.env.TABLE_NAME as string);
  return issuer;
}

export async function bearer(user: TestUser): Promise<string> {
  if (!issuer) throw new Error('call setupApi() first');
  return issuer.sign(user);
}

const handlers = new Map<string, Promise<(event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>>>();

function handlerFor(route: RouteDefinition) {
  let loaded = handlers.get(route.id);
  if (!loaded) {
    loaded = import(/* @vite-ignore */ `../../${route.entry}`).then((module: { handler: any }) => module.handler);
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

/** Invokes one operation's handler. `as` is a user (signed here), a raw Authorization value, or null. */
export async function call<T = any>(operation: OperationId | string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const route = routes.find((candidate) => candidate.id === operation) as RouteDefinition | undefined;
  if (!route) throw new Error(`no route ${operation}`);
  const params = options.params ?? {};
  const rawPath = route.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  if (!compilePath(route.path)(rawPath)) throw new Error(`bad params for ${operation}`);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (typeof options.as === 'string') headers.authorization = options.as;
  else if (options.as) headers.authorization = `Bearer ${await bearer(options.as)}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const event = apiGatewayEvent(
    route,
    { method: route.method, rawPath, rawQueryString: options.query ?? '', headers, ...(body === undefined ? {} : { body }) },
    params,
  );
  const handler = await handlerFor(route);
  const result = await handler(event, lambdaContext);
  const raw = typeof result.body === 'string' ? result.body : '';
  return {
    status: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: raw ? JSON.parse(raw) : undefined,
    raw,
  };
}
