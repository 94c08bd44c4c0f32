import { getConfig, type Config } from '../config';
import { webhookSecretFromSecretsManager } from '../secrets/secrets-manager-provider';

let cached: (() => Promise<string>) | undefined;

/** Secrets Manager when WEBHOOK_SECRET_ARN is set (deployed), WEBHOOK_SECRET otherwise (local). */
export function webhookSecretSource(config: Config): () => Promise<string> {
  const arn = config.WEBHOOK_SECRET_ARN;
  if (arn) return webhookSecretFromSecretsManager({ ...config, WEBHOOK_SECRET_ARN: arn });
  const secret = config.WEBHOOK_SECRET;
  return async () => {
    if (!secret) throw new Error('WEBHOOK_SECRET is not set');
    return secret;
  };
}

export function getWebhookSecret(): Promise<string> {
  cached ??= webhookSecretSource(getConfig());
  return cached();
}
