import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The service's configuration for the Jitsi tier: tokens are minted by the service's own code
// with these values, and the rendered Prosody configuration uses the same ones.
Object.assign(process.env, {
  STAGE: 'local',
  AWS_REGION: 'us-east-1',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'jitsi-calls-')),
  JITSI_DOMAIN: 'meet.jitsi.test',
  JITSI_PUBLIC_URL: 'https://meet.jitsi.test',
  JITSI_APP_ID: 'calls-jitsi-test',
  JITSI_JWT_AUDIENCE: 'jitsi',
  JITSI_JWT_SECRET: randomBytes(32).toString('hex'),
  JITSI_SYSTEM_KID: 'calls-system-test',
  TURN_HOST: 'turn.jitsi.test',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
