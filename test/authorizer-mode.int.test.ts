import { beforeAll, describe, expect, it } from 'vitest';
import { routeById } from '../infra/routes';
import { resetConfigForTests } from '../shared/config';
import { lambdaContext, setupApi } from './support/api';
import { sampleEvent } from './support/events';

// Deployed, API Gateway's JWT authorizer has verified the bearer and the handler reads its claims
// from the request context (arrays flattened to "[a b]"). The sample events are such events.

async function invoke(operation: Parameters<typeof routeById>[0], event: unknown) {
  const { handler } = await import(/* @vite-ignore */ `../${routeById(operation).entry}`);
  const result = await handler(event, lambdaContext);
  return { status: result.statusCode as number, body: result.body ? JSON.parse(result.body) : undefined };
}

beforeAll(async () => {
  await setupApi();
  resetConfigForTests();
});

describe('authorizer mode', () => {
  it('runs a thread call from the sample events with the claims API Gateway verified', async () => {
    const thread = await invoke('threads.create', sampleEvent('apigw-v2/threads-create.valid.json'));
    expect(thread.status).toBe(201);
    const threadId = thread.body.thread_id as string;
    const started = await invoke(
      'calls.start',
      sampleEvent('apigw-v2/calls-start.valid.json', (event) => {
        event.body = JSON.stringify({ thread_id: threadId, call_type: 'video' });
      }),
    );
    expect(started.status).toBe(201);
    const callId = started.body.call_id as string;
    const joined = await invoke(
      'calls.join',
      sampleEvent('apigw-v2/calls-join.valid.json', (event) => {
        event.rawPath = `/api/calls/${callId}/join`;
        event.pathParameters = { call_id: callId };
      }),
    );
    expect(joined).toMatchObject({ status: 200, body: { call_id: callId, is_moderator: false } });
  });

  it('treats the flattened "[instructor admin]" roles claim as admin', async () => {
    const thread = await invoke(
      'threads.create',
      sampleEvent('apigw-v2/threads-create.valid.json', (event) => {
        event.requestContext.authorizer.jwt.claims.sub = 'someone-else';
        event.requestContext.authorizer.jwt.claims.roles = '[student]';
      }),
    );
    const { handler } = await import(/* @vite-ignore */ `../${routeById('threads.get').entry}`);
    const asAdmin = sampleEvent('apigw-v2/threads-create.valid.json', (event) => {
      event.routeKey = 'GET /api/threads/{thread_id}';
      event.pathParameters = { thread_id: thread.body.thread_id };
      delete event.body;
    });
    const result = await handler(asAdmin, lambdaContext);
    expect(result.statusCode).toBe(200);
  });

  it('answers 400 to the unknown-field sample and 401 when the authorizer context is missing', async () => {
    expect((await invoke('calls.start', sampleEvent('apigw-v2/calls-start.unknown-field.json'))).body.error).toBe('validation_error');
    const anonymous = sampleEvent('apigw-v2/calls-start.valid.json', (event) => {
      delete (event.requestContext as { authorizer?: unknown }).authorizer;
    });
    expect((await invoke('calls.start', anonymous)).status).toBe(401);
  });
});
