import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiGatewayEvent } from '../../infra/local/api-event';
import { routeById } from '../../infra/routes';
import { http } from './handler';
import { publicOperations } from './operations/public';

const contextWith = (remainingMs: number) =>
  ({ awsRequestId: 'req-1', functionName: 'calls-config', getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

describe('the HTTP pipeline', () => {
  it('answers 503 dependency_unavailable with Retry-After, not 500, when the function runs out of time', async () => {
    // A handler that never finishes: only the early timeout can answer.
    const handler = http(publicOperations['calls.config']).handler(() => new Promise(() => undefined));
    const event = apiGatewayEvent(routeById('calls.config'), { method: 'GET', rawPath: '/api/calls/config' }, {});
    const result = (await handler(event as never, contextWith(600) as never)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBeDefined();
    expect(JSON.parse(result.body)).toMatchObject({ error: 'dependency_unavailable' });
  });
});
