import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  contextValueToEnv,
  functionEnvironment,
  loadConfig,
  parseValue,
  readVariable,
  VARIABLES,
  type VariableSpec,
} from './config';

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

  it('requires Secrets Manager ARNs in a deployed stage', () => {
    expect(() => loadConfig({ STAGE: 'prod' })).toThrow(/JITSI_SECRET_ARN/);
  });

  it('declares no bearer-verification settings: functions read the claims API Gateway verified', () => {
    for (const name of ['AUTH_MODE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS', 'AUTH_JWKS_URL']) expect(VARIABLES).not.toHaveProperty(name);
  });

  it('requires RECORDINGS_KMS_KEY_ID in a deployed stage, and loads once it is set', () => {
    const deployed = {
      STAGE: 'prod',
      JITSI_DOMAIN: 'meet.example.com',
      JITSI_PUBLIC_URL: 'https://meet.example.com',
      JITSI_APP_ID: 'calls',
      TURN_HOST: 'turn.example.com',
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

describe('config declared once', () => {
  it('names the variable and the valid values, quoting a non-secret value', () => {
    expect(() => loadConfig({ JITSI_TOKEN_TTL_SECONDS: 'abc' })).toThrow(
      'JITSI_TOKEN_TTL_SECONDS must be an integer from 10 to 3600; got "abc"',
    );
    expect(() => loadConfig({ PORT: 'x' })).toThrow('PORT must be an integer from 1 to 65535; got "x"');
    expect(() => loadConfig({ JITSI_JWT_ALG: 'none' })).toThrow('JITSI_JWT_ALG must be one of HS256, RS256; got "none"');
    expect(() => loadConfig({ TURN_PORT: '3478.5' })).toThrow(/TURN_PORT must be an integer from 1 to 65535/);
  });

  it('never shows a secret value in the message', () => {
    const attempt = () => loadConfig({ WEBHOOK_SECRET: 'tiny-secret', JITSI_EVENTS_SECRET: 'other-tiny-secret' });
    expect(attempt).toThrow(/JITSI_EVENTS_SECRET must be at least 32 characters; WEBHOOK_SECRET must be at least 32 characters$/);
    expect(attempt).not.toThrow(/tiny-secret/);
  });

  it('gives the contract variables their defaults', () => {
    expect(loadConfig({})).toMatchObject({
      RING_TIMEOUT_SECONDS: 45,
      CALL_EMPTY_GRACE_SECONDS: 120,
      CALL_MAX_HOURS: 24,
      PRESENCE_CONFIRM_SECONDS: 120,
      LIVE_CLASS_EMPTY_MINUTES: 30,
      WEBHOOK_URLS: [],
      RECORDING_URI_SCHEMES: ['s3', 'https'],
      JVB_STATS_URL: undefined,
      JITSI_INTERNAL_URL: undefined,
      JITSI_EVENTS_SECRET: undefined,
      JAAS_WEBHOOK_SECRET: undefined,
      WEBHOOK_SECRET: undefined,
    });
  });

  it('accepts https webhook receivers, and plain http only on loopback', () => {
    expect(loadConfig({ WEBHOOK_URLS: 'https://erp.example/hook, http://127.0.0.1:9000/h' }).WEBHOOK_URLS).toEqual([
      'https://erp.example/hook',
      'http://127.0.0.1:9000/h',
    ]);
    expect(() => loadConfig({ WEBHOOK_URLS: 'http://erp.example/hook' })).toThrow(
      /WEBHOOK_URLS entry 1 must be https \(or http to a loopback host\)$/,
    );
  });

  it('reads recording URI schemes as a lowercase list', () => {
    expect(loadConfig({ RECORDING_URI_SCHEMES: 'S3,gs' }).RECORDING_URI_SCHEMES).toEqual(['s3', 'gs']);
    expect(() => loadConfig({ RECORDING_URI_SCHEMES: 's3,java script' })).toThrow(/RECORDING_URI_SCHEMES must be/);
  });

  it('refuses local-only defaults in a deployed stage, naming each variable', () => {
    expect(() => loadConfig({ STAGE: 'dev' })).toThrow(/JITSI_DOMAIN must be set in a deployed stage.*TURN_HOST must be set/);
  });

  it('maps stage context into the environment, refusing a variable the stack may not set', () => {
    const environment = functionEnvironment(
      { jitsiDomain: 'meet.example', webhookUrls: [], recordingUriSchemes: ['s3'] },
      { STAGE: 'dev' },
    );
    expect(environment).toEqual({ JITSI_DOMAIN: 'meet.example', RECORDING_URI_SCHEMES: 's3', STAGE: 'dev' });
    expect(() => functionEnvironment({}, { JITSI_JWT_SECRET: 'x' } as never)).toThrow(/JITSI_JWT_SECRET is not a variable the stack sets/);
  });

  it('reads one variable with the same rules (the local server reads PORT first)', () => {
    expect(readVariable('PORT', {})).toBe(3000);
    expect(readVariable('PORT', { PORT: '3501' })).toBe(3501);
    expect(() => readVariable('PORT', { PORT: '70000' })).toThrow('PORT must be an integer from 1 to 65535; got "70000"');
  });

  it('declares every variable with a valid default', () => {
    for (const [name, spec] of Object.entries(VARIABLES) as [string, VariableSpec][]) {
      if (spec.source === 'context') expect(spec.context, name).toMatch(/^[a-z][A-Za-z]+$/);
      if (spec.default !== undefined) {
        const raw = contextValueToEnv(spec.default);
        if (raw !== undefined) expect(parseValue(spec.kind, raw), name).not.toHaveProperty('problem');
      }
    }
  });
});
