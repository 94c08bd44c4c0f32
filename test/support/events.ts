import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { signJaasPayload } from '../../shared/http/jaas-signature';

const EVENTS_DIR = join(import.meta.dirname, '..', '..', 'events');

/**
 * A sample event from events/, cloned so a test can change it freely. A JaaS webhook sample is
 * signed for the moment it was written; it is signed again for now (under the test secret), since
 * a signature is only good within its time tolerance.
 */
export function sampleEvent(path: string, changes: (event: APIGatewayProxyEventV2WithJWTAuthorizer) => void = () => {}) {
  const event = structuredClone(JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8'))) as APIGatewayProxyEventV2WithJWTAuthorizer;
  const secret = process.env.JAAS_WEBHOOK_SECRET;
  if (event.headers?.['x-jaas-signature'] && secret) {
    const now = Math.floor(Date.now() / 1000);
    event.headers['x-jaas-signature'] = `t=${now},v1=${signJaasPayload(secret, now, event.body ?? '')}`;
  }
  changes(event);
  return event;
}
