import { describe, expect, it } from 'vitest';
import { secretsManagerProvider, webhookSecretFromSecretsManager } from './no-secrets-manager';
import type { SecretsProvider } from './provider';

const fallback: SecretsProvider = {
  jitsiSigningKey: async () => ({ alg: 'HS256', secret: 'x'.repeat(32) }),
  turnAuth: async () => ({ kind: 'none' }),
  jitsiSystemKey: async () => ({ privateKeyPem: 'pem', kid: 'system' }),
  jitsiEventsSecret: async () => 'events-secret',
  jaasWebhookSecret: async () => 'jaas-secret-0123456789',
};
const config = {
  AWS_REGION: 'us-east-1',
  JITSI_JWT_ALG: 'HS256' as const,
  JITSI_JWT_KID: undefined,
  SECRETS_CACHE_TTL_SECONDS: 300,
  JITSI_SECRET_ARN: undefined,
  TURN_SECRET_ARN: undefined,
};

describe('no-secrets-manager (bundled into functions that declare no secrets)', () => {
  it('serves every secret without an ARN from the fallback, as the Secrets Manager provider does', async () => {
    const provider = secretsManagerProvider(config, { fallback });
    await expect(provider.jitsiSigningKey()).resolves.toEqual({ alg: 'HS256', secret: 'x'.repeat(32) });
    await expect(provider.turnAuth()).resolves.toEqual({ kind: 'none' });
    await expect(provider.jitsiSystemKey()).resolves.toEqual({ privateKeyPem: 'pem', kid: 'system' });
  });

  it('refuses, by name, a secret whose ARN is set: the function has no grant to read it', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x';
    const provider = secretsManagerProvider(
      {
        ...config,
        JITSI_SECRET_ARN: arn,
        TURN_SECRET_ARN: arn,
        JITSI_SYSTEM_KEY_SECRET_ARN: arn,
        JITSI_EVENTS_SECRET_ARN: arn,
        JAAS_WEBHOOK_SECRET_ARN: arn,
      },
      { fallback },
    );
    await expect(provider.jitsiSigningKey()).rejects.toThrow(/does not read the Jitsi secret/);
    await expect(provider.turnAuth()).rejects.toThrow(/does not read the TURN secret/);
    await expect(provider.jitsiSystemKey()).rejects.toThrow(/does not read the Jitsi system key secret/);
    await expect(provider.jitsiEventsSecret()).rejects.toThrow(/does not read the Jitsi events secret/);
    await expect(provider.jaasWebhookSecret()).rejects.toThrow(/does not read the JaaS webhook secret/);
    await expect(webhookSecretFromSecretsManager()()).rejects.toThrow(/does not read the webhook secret/);
  });
});
