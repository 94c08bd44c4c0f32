import { getConfig, type Config } from '../config';
import { localEventsSecret, localSystemKey } from './local-system-key';
import { secretsManagerProvider } from './secrets-manager-provider';

export type JitsiSigningKey = { alg: 'HS256'; secret: string } | { alg: 'RS256'; privateKeyPem: string; kid: string };

/** The RS256 key of the system token (end-meeting, kick): never the login tokens' key. */
export interface JitsiSystemKey {
  privateKeyPem: string;
  kid: string;
}

export type TurnAuth = { kind: 'rest'; secret: string } | { kind: 'static'; username: string; password: string } | { kind: 'none' };

/** Where the Jitsi signing key and the TURN secret come from: env locally, Secrets Manager deployed. */
export interface SecretsProvider {
  jitsiSigningKey(): Promise<JitsiSigningKey>;
  turnAuth(): Promise<TurnAuth>;
  jitsiSystemKey(): Promise<JitsiSystemKey>;
  /** The bearer Prosody's event_sync sends to /api/jitsi/events/*. */
  jitsiEventsSecret(): Promise<string>;
  /** The JaaS webhook signing secret, or undefined where none is configured (every webhook is then refused). */
  jaasWebhookSecret(): Promise<string | undefined>;
}

export function envSecretsProvider(config: Config): SecretsProvider {
  return {
    async jitsiSigningKey() {
      if (config.JITSI_JWT_ALG === 'RS256') {
        if (!config.JITSI_JWT_PRIVATE_KEY || !config.JITSI_JWT_KID) throw new Error('JITSI_JWT_PRIVATE_KEY is not set');
        return { alg: 'RS256', privateKeyPem: config.JITSI_JWT_PRIVATE_KEY, kid: config.JITSI_JWT_KID };
      }
      if (!config.JITSI_JWT_SECRET) throw new Error('JITSI_JWT_SECRET is not set');
      return { alg: 'HS256', secret: config.JITSI_JWT_SECRET };
    },
    async turnAuth() {
      if (config.TURN_USERNAME && config.TURN_PASSWORD) {
        return { kind: 'static', username: config.TURN_USERNAME, password: config.TURN_PASSWORD };
      }
      if (config.TURN_SECRET) return { kind: 'rest', secret: config.TURN_SECRET };
      return { kind: 'none' };
    },
    jitsiSystemKey: () => localSystemKey(config.DATA_DIR, config.JITSI_SYSTEM_KID),
    jitsiEventsSecret: async () => config.JITSI_EVENTS_SECRET ?? (await localEventsSecret(config.DATA_DIR)),
    // Not generated locally: JaaS makes it (its console's "Reveal secret"), so a made-up one could verify nothing.
    jaasWebhookSecret: async () => config.JAAS_WEBHOOK_SECRET,
  };
}

let provider: SecretsProvider | undefined;

export function getSecretsProvider(): SecretsProvider {
  provider ??= selectSecretsProvider(getConfig());
  return provider;
}

/** Secrets Manager for each secret whose ARN is set (deployed), environment variables for the rest (local). */
export function selectSecretsProvider(config: Config): SecretsProvider {
  const fromEnv = envSecretsProvider(config);
  const arns = [
    config.JITSI_SECRET_ARN,
    config.TURN_SECRET_ARN,
    config.JITSI_SYSTEM_KEY_SECRET_ARN,
    config.JITSI_EVENTS_SECRET_ARN,
    config.JAAS_WEBHOOK_SECRET_ARN,
  ];
  if (arns.every((arn) => !arn)) return fromEnv;
  return secretsManagerProvider(config, { fallback: fromEnv });
}

export function setSecretsProviderForTests(next: SecretsProvider | undefined): void {
  provider = next;
}
