import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

const EVENTS_DIR = join(import.meta.dirname, '..', '..', 'events');

/** A sample event from events/, cloned so a test can change it freely. */
export function sampleEvent(path: string, changes: (event: APIGatewayProxyEventV2WithJWTAuthorizer) => void = () => {}) {
  const event = structuredClone(JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8'))) as APIGatewayProxyEventV2WithJWTAuthorizer;
  changes(event);
  return event;
}
