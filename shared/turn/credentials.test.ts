import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnRestCredentials } from './credentials';

describe('TURN REST credentials', () => {
  it('builds <expiry>:<user> and base64 HMAC-SHA1 of it under the shared secret', () => {
    const nowMs = 1_700_000_000_000;
    const { username, credential } = turnRestCredentials('north', 'alice', 43_200, nowMs);
    expect(username).toBe('1700043200:alice');
    // Same computation as coturn's use-auth-secret check, done independently.
    expect(credential).toBe(createHmac('sha1', 'north').update('1700043200:alice').digest('base64'));
    expect(Buffer.from(credential, 'base64')).toHaveLength(20);
  });

  it('changes with the secret', () => {
    expect(turnRestCredentials('a', 'u', 60, 0).credential).not.toBe(turnRestCredentials('b', 'u', 60, 0).credential);
  });
});
