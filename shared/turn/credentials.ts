import { createHmac } from 'node:crypto';

export interface TurnCredentials {
  username: string;
  credential: string;
}

/**
 * The TURN REST API scheme coturn checks with `use-auth-secret`: the username is
 * `<expiry unix seconds>:<user id>`, the password base64(HMAC-SHA1(secret, username)).
 */
export function turnRestCredentials(secret: string, userId: string, ttlSeconds: number, nowMs: number): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}
