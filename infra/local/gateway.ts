import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { unauthorized } from '../../shared/errors';
import { errorResult } from '../../shared/http/responses';
import type { RouteDefinition } from '../routes';
import { apiGatewayEvent, type HttpRequestParts } from './api-event';
import type { Authorize } from './authorizer';

// What API Gateway does before a function runs, for the local server and the test harness: the
// JWT authorizer on `user` routes, then the payload 2.0 event with the verified claims.

export type LambdaHandler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export function lambdaContextFor(route: RouteDefinition, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: route.id,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${route.id}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${route.id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function invokeRoute(
  route: RouteDefinition,
  request: HttpRequestParts,
  pathParameters: Record<string, string>,
  authorize: Authorize,
  handler: LambdaHandler,
): Promise<APIGatewayProxyStructuredResultV2> {
  let authorizer;
  if (route.auth === 'user') {
    const header = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    authorizer = await authorize(header);
    // Deployed, API Gateway answers {"message":"Unauthorized"} itself; locally the contract's body.
    if (!authorizer) return errorResult(unauthorized('The bearer token is missing, malformed, invalid or expired.'));
  }
  const event = apiGatewayEvent(route, request, pathParameters, authorizer);
  return handler(event, lambdaContextFor(route, event.requestContext.requestId));
}
