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
