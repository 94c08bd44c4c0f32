import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { unauthorized } from '../errors';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { getSecretsProvider } from '../secrets/provider';

// JaaS webhook signatures, as 8x8 documents them (https://developer.8x8.com/jaas/docs/webhooks-signatures):
// `X-Jaas-Signature: t=<unix seconds>,v1=<signature>[,v1=<signature>...]`, the signature being the
// base64 HMAC-SHA256, under the endpoint's secret, of `<t>.<raw request body>`. Only `v1` counts
// (other schemes are ignored against downgrades); `t` must be within the tolerance of now, so a
// captured request cannot be replayed later.

/** How far `t` may be from now, either way (clock skew, JaaS's own retries re-sign). */
export const JAAS_SIGNATURE_TOLERANCE_SECONDS = 300;

export type JaasSignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'not_configured';

/** `timestamp` as the header's `t` text: JaaS signs its own text, so it is never reformatted. */
export function signJaasPayload(secret: string, timestamp: number | string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('base64');
}

// Both sides hashed first, so timingSafeEqual compares equal lengths and nothing leaks by length.
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Why the header does not verify `rawBody`, or undefined when it does. */
export function jaasSignatureProblem(
  header: string | undefined,
  rawBody: string,
  secret: string | undefined,
  nowMs: number,
  toleranceSeconds = JAAS_SIGNATURE_TOLERANCE_SECONDS,
): JaasSignatureProblem | undefined {
  if (!secret) return 'not_configured';
  if (!header) return 'missing';
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const element of header.split(',')) {
    // The base64 value may end in '=': split at the first one only.
    const at = element.indexOf('=');
    if (at < 0) continue;
    const prefix = element.slice(0, at).trim();
    const value = element.slice(at + 1).trim();
    if (prefix === 't') timestamp = value;
    else if (prefix === 'v1' && value) signatures.push(value);
  }
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return 'malformed';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return 'stale';
  const expected = digest(signJaasPayload(secret, timestamp, rawBody));
  // Every candidate compared, so the time taken does not say which one matched.
  const matched = signatures.map((signature) => timingSafeEqual(digest(signature), expected)).includes(true);
  return matched ? undefined : 'mismatch';
}

/** Refuses (401, counted as a rejected presence event) a webhook whose signature does not verify. */
export async function requireJaasSignature(event: Pick<APIGatewayProxyEventV2, 'headers'>, rawBody: string): Promise<void> {
  const header = event.headers?.['x-jaas-signature'] ?? event.headers?.['X-Jaas-Signature'];
  const secret = await getSecretsProvider().jaasWebhookSecret();
  const problem = jaasSignatureProblem(header, rawBody, secret, Date.now());
  if (!problem) return;
  countMetric(MetricName.PresenceEventRejected);
  throw unauthorized(
    problem === 'not_configured'
      ? 'JaaS webhooks are not accepted: no JaaS webhook secret is configured.'
      : 'A valid, current X-Jaas-Signature is required.',
  );
}
