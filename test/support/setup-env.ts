import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';

// Every test file runs against its own table and temp dir, with the local settings the dev server uses.
const dataDir = mkdtempSync(join(tmpdir(), 'calls-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

Object.assign(process.env, {
  STAGE: 'local',
  AWS_REGION: 'us-east-1',
  TABLE_NAME: `test-${randomBytes(6).toString('hex')}`,
  DATA_DIR: dataDir,
  EVENTS_MODE: 'local',
  EVENTS_FILE: join(dataDir, 'events.jsonl'),
  JITSI_DOMAIN: 'jitsi.test.example',
  JITSI_PUBLIC_URL: 'https://jitsi.test.example',
  JITSI_APP_ID: 'calls-test',
  JITSI_JWT_SECRET: randomBytes(32).toString('hex'),
  // The bearer event_sync sends; the events/apigw-v2 samples of the presence routes carry it.
  JITSI_EVENTS_SECRET: 'test-events-secret-0123456789abcdef0123',
  // JaaS's webhook signing secret; the jitsi-jaas-webhook sample is signed with it (test/support/events.ts re-signs it now).
  JAAS_WEBHOOK_SECRET: 'test-jaas-webhook-secret-0123456789',
  TURN_HOST: 'turn.test.example',
  TURN_SECRET: randomBytes(24).toString('hex'),
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
// Only the integration project starts DynamoDB Local (test/support/global-setup.ts).
const dynamodbEndpoint = inject('dynamodbEndpoint');
if (dynamodbEndpoint) process.env.DYNAMODB_ENDPOINT = dynamodbEndpoint;
