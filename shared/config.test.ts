import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      STAGE: 'local',
      TURN_PORT: 3478,
      TURNS_PORT: 5349,
      JITSI_TOKEN_TTL_SECONDS: 60,
      CALLS_ENABLED: true,
      PROBE_INTERVAL_SECONDS: 60,
    });
    expect(config.turnsPortConfigured).toBe(false);
    expect(config.CONSENT_TEXT_VERSION).toBe('v1');
  });

  it('names the variable that is malformed, never its value', () => {
    const attempt = () => loadConfig({ JITSI_TOKEN_TTL_SECONDS: '7200', JITSI_JWT_SECRET: 'short-secret-value' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).toContain('JITSI_TOKEN_TTL_SECONDS');
      expect((error as Error).message).toContain('JITSI_JWT_SECRET');
      expect((error as Error).message).not.toContain('short-secret-value');
    }
  });

  it('requires Secrets Manager ARNs and the authorizer in a deployed stage', () => {
    expect(() => loadConfig({ STAGE: 'prod' })).toThrow(/JITSI_SECRET_ARN/);
    expect(() => loadConfig({ STAGE: 'prod', AUTH_MODE: 'jwks' })).toThrow(/AUTH_MODE/);
  });

  it('requires RECORDINGS_KMS_KEY_ID in a deployed stage, and loads once it is set', () => {
    const deployed = {
      STAGE: 'prod',
      JITSI_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:jitsi',
      TURN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:turn',
    };
    expect(() => loadConfig(deployed)).toThrow(/RECORDINGS_KMS_KEY_ID is required in a deployed stage/);
    const keyId = 'arn:aws:kms:us-east-1:111122223333:alias/recordings';
    expect(loadConfig({ ...deployed, RECORDINGS_KMS_KEY_ID: keyId }).RECORDINGS_KMS_KEY_ID).toBe(keyId);
    expect(loadConfig({}).RECORDINGS_KMS_KEY_ID).toBeUndefined();
  });

  it('rejects a consent text version that is not a short token', () => {
    expect(loadConfig({ CONSENT_TEXT_VERSION: '2026-03.b' }).CONSENT_TEXT_VERSION).toBe('2026-03.b');
    expect(() => loadConfig({ CONSENT_TEXT_VERSION: 'v 1; drop' })).toThrow(/CONSENT_TEXT_VERSION/);
  });

  it('reads CALLS_ENABLED=false as off', () => {
    expect(loadConfig({ CALLS_ENABLED: 'false' }).CALLS_ENABLED).toBe(false);
    expect(() => loadConfig({ CALLS_ENABLED: 'nope' })).toThrow(/CALLS_ENABLED/);
  });
});
