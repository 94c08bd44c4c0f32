import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import type { Config } from '../config';
import { AppError, dependencyUnavailable } from '../errors';
import { logger as sharedLogger } from '../observability/logger';
import { AWS_CLIENT_DEFAULTS, isTransientAwsError, safeAwsCause } from './aws-sdk';
import type { JitsiSigningKey, JitsiSystemKey, SecretsProvider, TurnAuth } from './provider';
import { RefreshingValue } from './refreshing-value';

// Own cache rather than Powertools Parameters (which adds only ~6 KB): its `json` transform
// error quotes the input (Node's JSON.parse message includes the text, i.e. the secret),
// its GetParameterError keeps the raw SDK error as cause, a failed refresh drops the last
// good value, and concurrent callers each fetch. RefreshingValue does the opposite in ~50 lines.

/** After the TTL, a failing Secrets Manager is bridged with the last good value this long. */
const STALE_IF_ERROR_MS = 15 * 60_000;
const RETRY_AFTER_FAILURE_MS = 5_000;

/** DecryptionFailure: Secrets Manager could not use the secret's KMS key, often KMS throttling. */
const SECRETS_MANAGER_TRANSIENT = new Set(['InternalServiceError', 'DecryptionFailure']);

const HS256_SECRET = z.object({ secret: z.string().check(z.minLength(32)) });
// jose's importPKCS8 (shared/jitsi/token.ts) needs PKCS#8, not a PKCS#1 "RSA PRIVATE KEY".
const RS256_SECRET = z.object({
  private_key: z.string().check(z.regex(/-----BEGIN PRIVATE KEY-----/)),
  kid: z.optional(z.string().check(z.minLength(1))),
});
// coturn accepts several static-auth-secret values, so rotation publishes the new value as
// `current` while `previous` keeps verifying credentials already handed out.
const TURN_SECRET = z.object({
  current: z.string().check(z.minLength(16)),
  previous: z.optional(z.string().check(z.minLength(16))),
});

export type SecretsManagerProviderConfig = Pick<
  Config,
  'AWS_REGION' | 'JITSI_SECRET_ARN' | 'TURN_SECRET_ARN' | 'JITSI_JWT_ALG' | 'JITSI_JWT_KID' | 'SECRETS_CACHE_TTL_SECONDS'
> &
  Partial<Pick<Config, 'JITSI_SYSTEM_KEY_SECRET_ARN' | 'JITSI_SYSTEM_KID' | 'JITSI_EVENTS_SECRET_ARN' | 'JAAS_WEBHOOK_SECRET_ARN'>>;

export interface SecretsManagerProviderOptions {
  /** Serves each secret whose ARN is not configured (e.g. static TURN credentials from env). */
  fallback: SecretsProvider;
  client?: SecretsManagerClient;
  now?: () => number;
  logger?: { warn(message: string, ...extra: unknown[]): void };
}

let defaultClient: SecretsManagerClient | undefined;

function clientFor(region: string): SecretsManagerClient {
  defaultClient ??= new SecretsManagerClient({ region, ...AWS_CLIENT_DEFAULTS });
  return defaultClient;
}

/** Fetched once per container, reused for SECRETS_CACHE_TTL_SECONDS, so rotation needs no redeploy. */
export function secretsManagerProvider(config: SecretsManagerProviderConfig, options: SecretsManagerProviderOptions): SecretsProvider {
  const client = options.client ?? clientFor(config.AWS_REGION);
  const log = options.logger ?? sharedLogger;
  const cached = <T>(label: string, load: () => Promise<T>) =>
    new RefreshingValue(load, {
      ttlMs: config.SECRETS_CACHE_TTL_SECONDS * 1000,
      staleIfErrorMs: STALE_IF_ERROR_MS,
      retryAfterFailureMs: RETRY_AFTER_FAILURE_MS,
      now: options.now,
      // Only the label and the sanitized error: never the value.
      onStaleServed: (error) => log.warn('secret refresh failed, serving the cached value', { secret: label, error }),
    });

  const jitsiArn = config.JITSI_SECRET_ARN;
  const jitsi = jitsiArn
    ? cached('jitsi', async () => parseJitsiSecret(await fetchSecretString(client, jitsiArn, 'Jitsi'), config))
    : undefined;
  const turnArn = config.TURN_SECRET_ARN;
  const turn = turnArn
    ? cached('turn', async (): Promise<TurnAuth> => {
        const { current } = parseSecretJson(TURN_SECRET, await fetchSecretString(client, turnArn, 'TURN'), 'TURN');
        return { kind: 'rest', secret: current };
      })
    : undefined;

  const systemArn = config.JITSI_SYSTEM_KEY_SECRET_ARN;
  const system = systemArn
    ? cached('jitsi-system', async (): Promise<JitsiSystemKey> => {
        const parsed = parseSecretJson(RS256_SECRET, await fetchSecretString(client, systemArn, 'Jitsi system key'), 'Jitsi system key');
        const kid = parsed.kid ?? config.JITSI_SYSTEM_KID;
        if (!kid) throw malformed('Jitsi system key', 'kid: missing and JITSI_SYSTEM_KID is unset');
        return { privateKeyPem: parsed.private_key, kid };
      })
    : undefined;

  const eventsArn = config.JITSI_EVENTS_SECRET_ARN;
  const events = eventsArn
    ? cached(
        'jitsi-events',
        async () => parseSecretJson(EVENTS_SECRET, await fetchSecretString(client, eventsArn, 'Jitsi events'), 'Jitsi events').secret,
      )
    : undefined;

  const jaasArn = config.JAAS_WEBHOOK_SECRET_ARN;
  const jaas = jaasArn
    ? cached(
        'jaas-webhook',
        async () => parseSecretJson(JAAS_SECRET, await fetchSecretString(client, jaasArn, 'JaaS webhook'), 'JaaS webhook').secret,
      )
    : undefined;

  return {
    jitsiSigningKey: () => (jitsi ? jitsi.get() : options.fallback.jitsiSigningKey()),
    turnAuth: () => (turn ? turn.get() : options.fallback.turnAuth()),
    jitsiSystemKey: () => (system ? system.get() : options.fallback.jitsiSystemKey()),
    jitsiEventsSecret: () => (events ? events.get() : options.fallback.jitsiEventsSecret()),
    jaasWebhookSecret: () => (jaas ? jaas.get() : options.fallback.jaasWebhookSecret()),
  };
}

// The same bearer goes into Prosody's event_sync api_headers, so at least 32 characters.
const EVENTS_SECRET = z.object({ secret: z.string().check(z.minLength(32)) });

// The endpoint secret JaaS's console reveals; as short as JAAS_WEBHOOK_SECRET allows.
const JAAS_SECRET = z.object({ secret: z.string().check(z.minLength(16)) });

const WEBHOOK_SECRET = z.object({ secret: z.string().check(z.minLength(32)) });

/** The webhook signing secret (`{"secret":"..."}`), cached and refreshed like the others. */
export function webhookSecretFromSecretsManager(
  config: Pick<Config, 'AWS_REGION' | 'SECRETS_CACHE_TTL_SECONDS'> & { WEBHOOK_SECRET_ARN: string },
  options: Omit<SecretsManagerProviderOptions, 'fallback'> = {},
): () => Promise<string> {
  const client = options.client ?? clientFor(config.AWS_REGION);
  const log = options.logger ?? sharedLogger;
  const value = new RefreshingValue(
    async () => parseSecretJson(WEBHOOK_SECRET, await fetchSecretString(client, config.WEBHOOK_SECRET_ARN, 'webhook'), 'webhook').secret,
    {
      ttlMs: config.SECRETS_CACHE_TTL_SECONDS * 1000,
      staleIfErrorMs: STALE_IF_ERROR_MS,
      retryAfterFailureMs: RETRY_AFTER_FAILURE_MS,
      now: options.now,
      onStaleServed: (error) => log.warn('secret refresh failed, serving the cached value', { secret: 'webhook', error }),
    },
  );
  return () => value.get();
}

async function fetchSecretString(client: SecretsManagerClient, secretId: string, label: string): Promise<string> {
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId })));
  } catch (error) {
    const cause = safeAwsCause(error);
    if (isTransientAwsError(error, SECRETS_MANAGER_TRANSIENT)) throw dependencyUnavailable('Secrets Manager', cause);
    // AccessDenied, ResourceNotFound, a secret scheduled for deletion: retrying will not help.
    throw new AppError('internal_error', `The ${label} secret could not be read from Secrets Manager.`, { cause });
  }
  if (secretString === undefined) throw malformed(label, 'no SecretString');
  return secretString;
}

function parseJitsiSecret(raw: string, config: SecretsManagerProviderConfig): JitsiSigningKey {
  if (config.JITSI_JWT_ALG === 'HS256') {
    return { alg: 'HS256', secret: parseSecretJson(HS256_SECRET, raw, 'Jitsi').secret };
  }
  const parsed = parseSecretJson(RS256_SECRET, raw, 'Jitsi');
  // The kid travels with the key so that a key rotation is one secret update.
  const kid = parsed.kid ?? config.JITSI_JWT_KID;
  if (!kid) throw malformed('Jitsi', 'kid: missing and JITSI_JWT_KID is unset');
  return { alg: 'RS256', privateKeyPem: parsed.private_key, kid };
}

function parseSecretJson<S extends z.ZodMiniType>(schema: S, raw: string, label: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Not kept as cause: JSON.parse's message quotes the input.
    throw malformed(label, 'not valid JSON');
  }
  const result = z.safeParse(schema, json);
  if (!result.success) {
    // Path and issue code only: zod messages for enums and literals can echo input.
    throw malformed(label, result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; '));
  }
  return result.data;
}

const malformed = (label: string, reason: string) =>
  new AppError('internal_error', `The ${label} secret in Secrets Manager is malformed (${reason}).`);
