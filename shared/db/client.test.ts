import { describe, expect, it } from 'vitest';
import { endpointSettings } from './client';

describe('endpointSettings', () => {
  it('gives fake credentials to a loopback DynamoDB Local only', () => {
    for (const endpoint of ['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000']) {
      expect(endpointSettings(endpoint).credentials).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    }
  });

  it('leaves any other endpoint to the default credential chain', () => {
    for (const endpoint of ['https://dynamodb.eu-west-1.amazonaws.com', 'http://127.evil.example:8000', 'http://10.0.0.5:8000']) {
      expect(endpointSettings(endpoint)).toEqual({ endpoint });
    }
  });
});

describe('send', () => {
  it('answers 503 dependency_unavailable for transport failures under load, not 500', async () => {
    const { send } = await import('./client');
    const failures = [
      Object.assign(new Error('connect EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new Error('too many open files'), { code: 'EMFILE' }),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      Object.assign(new Error('internal'), { name: 'SomeServiceFault', $fault: 'server' }),
    ];
    for (const failure of failures) {
      await expect(send(Promise.reject(failure))).rejects.toMatchObject({ code: 'dependency_unavailable', status: 503 });
    }
  });

  it('passes a client error through for the domain to map', async () => {
    const { send } = await import('./client');
    const conditionFailed = Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException', $fault: 'client' });
    await expect(send(Promise.reject(conditionFailed))).rejects.toBe(conditionFailed);
  });
});
