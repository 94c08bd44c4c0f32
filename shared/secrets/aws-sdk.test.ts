import { Readable } from 'node:stream';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AWS_CLIENT_DEFAULTS, isTransientAwsError, safeAwsCause } from './aws-sdk';

/** A stand-in for the HTTP layer: the SDK's real retry middleware runs above it. */
function answering(statusCode: number, errorType: string) {
  const requests: unknown[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    handle: async (request: unknown) => {
      requests.push(request);
      return {
        response: {
          statusCode,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' },
          body: Readable.from([Buffer.from(JSON.stringify({ __type: errorType, message: 'try later' }))]),
        },
      };
    },
  };
  return { handler, requests };
}

function clientWith(handler: ReturnType<typeof answering>['handler']) {
  return new SecretsManagerClient({
    ...AWS_CLIENT_DEFAULTS,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-key' },
    requestHandler: handler,
  });
}

afterEach(() => vi.useRealTimers());

describe('AWS_CLIENT_DEFAULTS', () => {
  it.each([
    [400, 'ThrottlingException'],
    [500, 'InternalServiceError'],
  ])('retries HTTP %i %s three times in all, then surfaces a transient error', async (status, type) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { handler, requests } = answering(status, type);
    const pending = clientWith(handler).send(new GetSecretValueCommand({ SecretId: 'x' }));
    let done = false;
    const settled = Promise.allSettled([pending]).finally(() => (done = true));
    // Each backoff timer appears only after the previous response was parsed (stream I/O, a
    // real macrotask), so yield a real turn, then move fake time, until the send settles.
    for (let turn = 0; turn < 10_000 && !done; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    const [result] = await settled;

    expect(requests).toHaveLength(3);
    expect(result?.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason;
    expect(error).toMatchObject({ name: type, $metadata: { attempts: 3 } });
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('does not retry an access-denied answer', async () => {
    const { handler, requests } = answering(400, 'AccessDeniedException');
    const [result] = await Promise.allSettled([clientWith(handler).send(new GetSecretValueCommand({ SecretId: 'x' }))]);
    expect(requests).toHaveLength(1);
    expect(isTransientAwsError((result as PromiseRejectedResult).reason)).toBe(false);
  });
});

describe('safeAwsCause', () => {
  it('keeps name, status and request id and drops the raw response', () => {
    const cause = safeAwsCause(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400, requestId: 'req-9', attempts: 3 },
        $response: { body: 'anything the service sent' },
      }),
    );
    expect(cause.name).toBe('ThrottlingException');
    expect(cause.message).toBe('ThrottlingException, HTTP 400, request req-9, 3 attempt(s), Rate exceeded');
    expect(cause).not.toHaveProperty('$response');
    expect(cause).not.toHaveProperty('$metadata');
  });
});
