import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';
import { resetConfigForTests } from '../shared/config';
import { call, setupApi } from './support/api';

// DynamoDB unreachable: after the SDK's retries the client gets 503 dependency_unavailable with
// Retry-After, never a 500 and never the connection details.

beforeAll(async () => {
  await setupApi();
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${await freePort()}`;
  resetConfigForTests();
});

describe('when DynamoDB is down', () => {
  it('answers 503 dependency_unavailable with Retry-After', async () => {
    const response = await call('threads.get', { as: { sub: 'alice' }, params: { thread_id: 't1' } });
    expect(response.status).toBe(503);
    expect(response.body.error).toBe('dependency_unavailable');
    expect(response.headers['retry-after']).toBe('1');
    expect(response.raw).not.toContain('127.0.0.1');
  });

  it('answers 503 to a start as well', async () => {
    const response = await call('calls.start', { as: { sub: 'alice' }, body: { thread_id: 't1', call_type: 'audio' } });
    expect(response).toMatchObject({ status: 503, body: { error: 'dependency_unavailable' } });
  });
});
