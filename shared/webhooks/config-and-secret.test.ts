import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';
import { webhookSecretFromSecretsManager } from '../secrets/secrets-manager-provider';
import { webhookSecretSource } from './secret';

const SECRET = 'webhook-signing-secret-never-logged-0123456789';
const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:webhook-AbCdEf';
const deployed = {
  STAGE: 'prod',
  JITSI_DOMAIN: 'meet.example.com',
  JITSI_PUBLIC_URL: 'https://meet.example.com',
  JITSI_APP_ID: 'calls',
  TURN_HOST: 'turn.example.com',
  JITSI_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:jitsi',
  TURN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:turn',
  RECORDINGS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:111122223333:alias/recordings',
};

describe('WEBHOOK_URLS and WEBHOOK_SECRET in the config', () => {
  it('is off by default and splits a comma-separated list', () => {
    expect(loadConfig({}).WEBHOOK_URLS).toEqual([]);
    const config = loadConfig({ WEBHOOK_URLS: 'https://erp.example/hooks, http://127.0.0.1:9999/h', WEBHOOK_SECRET: SECRET });
    expect(config.WEBHOOK_URLS).toEqual(['https://erp.example/hooks', 'http://127.0.0.1:9999/h']);
  });

  it('names the bad entry by position, never its value', () => {
    const attempt = () => loadConfig({ WEBHOOK_URLS: 'https://ok.example/h,http://erp.example/h?token=hidden', WEBHOOK_SECRET: SECRET });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/WEBHOOK_URLS entry 2 must be https \(or http to a loopback host\)/);
    expect(attempt).not.toThrow(/hidden/);
  });

  it('leaves the signing secret to the deliverer, and allows plain http only to loopback receivers of the local server', () => {
    // Every function gets WEBHOOK_URLS; only the deliverer signs, and refuses to start without a secret.
    expect(loadConfig({ WEBHOOK_URLS: 'https://erp.example/h' }).WEBHOOK_URLS).toEqual(['https://erp.example/h']);
    expect(() => loadConfig({ WEBHOOK_URLS: 'https://erp.example/h', WEBHOOK_SECRET: 'short' })).toThrow(
      /WEBHOOK_SECRET must be at least 32/,
    );
    expect(() => loadConfig({ ...deployed, WEBHOOK_URLS: 'http://127.0.0.1/h', WEBHOOK_SECRET_ARN: ARN })).toThrow(
      /entry 1 must be https in a deployed stage/,
    );
    expect(loadConfig({ ...deployed, WEBHOOK_URLS: 'https://erp.example/h', WEBHOOK_SECRET_ARN: ARN }).WEBHOOK_URLS).toHaveLength(1);
  });
});

describe('the webhook signing secret', () => {
  it('comes from WEBHOOK_SECRET locally', async () => {
    expect(await webhookSecretSource(loadConfig({ WEBHOOK_SECRET: SECRET }))()).toBe(SECRET);
    await expect(webhookSecretSource(loadConfig({}))()).rejects.toThrow(/WEBHOOK_SECRET is not set/);
  });

  it('comes from Secrets Manager deployed, fetched once per TTL', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    const secretsManager = mockClient(client);
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify({ secret: SECRET }) });
    let nowMs = 0;
    const get = webhookSecretFromSecretsManager(
      { AWS_REGION: 'us-east-1', SECRETS_CACHE_TTL_SECONDS: 300, WEBHOOK_SECRET_ARN: ARN },
      { client, now: () => nowMs },
    );
    expect(await get()).toBe(SECRET);
    expect(await get()).toBe(SECRET);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    nowMs = 301_000;
    await get();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('rejects a malformed secret without quoting it', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    mockClient(client)
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ secret: 'too-short-to-sign' }) });
    const get = webhookSecretFromSecretsManager(
      { AWS_REGION: 'us-east-1', SECRETS_CACHE_TTL_SECONDS: 300, WEBHOOK_SECRET_ARN: ARN },
      { client },
    );
    const error = await get().then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(/webhook secret in Secrets Manager is malformed \(secret: too_small\)/);
    expect(error?.message).not.toContain('too-short-to-sign');
  });
});

describe('the local deliverer', () => {
  it('refuses to start with receivers but no signing secret, naming WEBHOOK_SECRET', async () => {
    const { startWebhookDeliverer } = await import('./local-deliverer');
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    await expect(
      startWebhookDeliverer({
        source: () => () => undefined,
        urls: ['https://erp.example/h'],
        dataDir: mkdtempSync(join(tmpdir(), 'wh-')),
      }),
    ).rejects.toThrow(/WEBHOOK_SECRET is not set/);
  });
});
