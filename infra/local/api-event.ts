import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { RouteDefinition } from '../routes';
import type { AuthorizerContext } from './authorizer';

// Turns an HTTP request into the API Gateway HTTP API (payload 2.0) event the handlers get in AWS.

export interface HttpRequestParts {
  method: string;
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** `/api/calls/{call_id}/join` → a matcher that returns the path parameters, or undefined. */
export function compilePath(path: string): (rawPath: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}$`);
  return (rawPath) => {
    const match = regex.exec(rawPath);
    if (!match) return undefined;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      const value = match[index + 1] as string;
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        params[name] = value;
      }
    });
    return params;
  };
}

export function apiGatewayEvent(
  route: RouteDefinition,
  request: HttpRequestParts,
  pathParameters: Record<string, string>,
  /** What the JWT authorizer verified; routes without an authorizer get no `authorizer` field. */
  authorizer?: AuthorizerContext,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const rawQueryString = request.rawQueryString ?? '';
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  // API Gateway joins repeated query parameters with commas.
  for (const name of new Set(query.keys())) queryStringParameters[name] = query.getAll(name).join(',');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: request.rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(authorizer
        ? { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: authorizer.claims, scopes: authorizer.scopes } } }
        : {}),
    },
    body: request.body,
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}
