// Bundled in place of secrets-manager-provider.ts into functions whose `access` declares no
// secrets (infra/build.ts): their role has no Secrets Manager grant, so the client would only add
// cold-start weight. A secret whose ARN is set is refused by name; the others come from env as before.
import type { SecretsProvider } from './provider';
import type { SecretsManagerProviderConfig, SecretsManagerProviderOptions } from './secrets-manager-provider';

const refuse = (label: string) => () =>
  Promise.reject(new Error(`this function declares no secrets in its access, so it does not read the ${label} secret`));

export function secretsManagerProvider(config: SecretsManagerProviderConfig, options: SecretsManagerProviderOptions): SecretsProvider {
  const { fallback } = options;
  return {
    jitsiSigningKey: config.JITSI_SECRET_ARN ? refuse('Jitsi') : () => fallback.jitsiSigningKey(),
    turnAuth: config.TURN_SECRET_ARN ? refuse('TURN') : () => fallback.turnAuth(),
    jitsiSystemKey: config.JITSI_SYSTEM_KEY_SECRET_ARN ? refuse('Jitsi system key') : () => fallback.jitsiSystemKey(),
    jitsiEventsSecret: config.JITSI_EVENTS_SECRET_ARN ? refuse('Jitsi events') : () => fallback.jitsiEventsSecret(),
    jaasWebhookSecret: config.JAAS_WEBHOOK_SECRET_ARN ? refuse('JaaS webhook') : () => fallback.jaasWebhookSecret(),
  };
}

export function webhookSecretFromSecretsManager(): () => Promise<string> {
  return refuse('webhook');
}
