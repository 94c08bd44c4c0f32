import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ STAGE: 'local', TURN_PORT: 3478, TURNS_PORT: 5349, JITSI_TOKEN_TTL_SECONDS: 60, CALLS_ENABLED: true, PROBE_INTERVAL_SECONDS: 60 });
    expect(config.turnsPortConfigured).toBe(false);
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

  it('reads CALLS_ENABLED=false as off', () => {
    expect(loadConfig({ CALLS_ENABLED: 'false' }).CALLS_ENABLED).toBe(false);
    expect(() => loadConfig({ CALLS_ENABLED: 'nope' })).toThrow(/CALLS_ENABLED/);
  });
});
