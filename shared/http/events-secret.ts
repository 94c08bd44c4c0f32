import { timingSafeEqual, createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { unauthorized } from '../errors';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { getSecretsProvider } from '../secrets/provider';

// Prosody's event_sync sends `Authorization: Bearer <secret>` (its api_headers). Compared in
// constant time: both sides hashed first, so neither the length nor a prefix leaks.

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export async function requireEventsSecret(event: Pick<APIGatewayProxyEventV2, 'headers'>): Promise<void> {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? '';
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  const expected = await getSecretsProvider().jitsiEventsSecret();
  if (!match || !timingSafeEqual(digest(match[1] as string), digest(expected))) {
    countMetric(MetricName.PresenceEventRejected);
    throw unauthorized('A valid Jitsi events secret is required.');
  }
}
