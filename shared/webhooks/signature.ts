import { createHmac } from 'node:crypto';

// X-Calls-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">. A fresh `t` per
// attempt: receivers reject a `t` older than 5 minutes, and retries run for a day.

export const SIGNATURE_HEADER = 'X-Calls-Signature';

export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
