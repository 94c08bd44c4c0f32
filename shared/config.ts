import * as z from 'zod/mini';
import { splitWebhookUrls, webhookUrlProblem } from './webhooks/urls';

// The only module that reads process.env: parsed once per container, failing with the variable's name.

// zod/mini keeps every function's bundle small: the classic build does not tree-shake (~450 KB).
const flag = (defaultValue: boolean) =>
  z.pipe(
    z._default(z.enum(['true', 'false', '1', '0']), defaultValue ? 'true' : 'false'),
    z.transform((value: 'true' | 'false' | '1' | '0') => value === 'true' || value === '1'),
  );
const integer = (min: number, max: number, defaultValue: number) =>
  z._default(z.pipe(z.coerce.number(), z.int().check(z.gte(min), z.lte(max))), defaultValue);
const port = (defaultValue: number) => integer(1, 65535, defaultValue);
const text = (minLength = 1) => z.string().check(z.minLength(minLength));
const optionalText = (minLength = 1) => z.optional(text(minLength));
const httpUrl = () => z.url({ protocol: /^https?$/ });
const optionalUrl = z.optional(httpUrl());
const arn = z.optional(z.string().check(z.startsWith('arn:')));
const hostName = z.string().check(z.regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name or IP address, without scheme or port'));

const envSchema = z
  .object({
    STAGE: z._default(z.enum(['local', 'dev', 'staging', 'prod']), 'local'),
    AWS_REGION: z._default(text(), 'us-east-1'),
    TABLE_NAME: z._default(text(3), 'jitsi-calls-local'),
    /** Set locally to DynamoDB Local's URL; unset when deployed. */
    DYNAMODB_ENDPOINT: optionalUrl,

    CALLS_ENABLED: flag(true),

    AUTH_MODE: z._default(z.enum(['authorizer', 'jwks']), 'authorizer'),
    AUTH_ISSUER: optionalText(),
    AUTH_AUDIENCE: optionalText(),
    /** Inline JWKS JSON (the local issuer) for AUTH_MODE=jwks. */
    AUTH_JWKS: optionalText(2),
    AUTH_JWKS_URL: optionalUrl,
    ROLES_CLAIM: z._default(text(), 'roles'),

    JITSI_DOMAIN: z._default(hostName, 'meet.jitsi'),
    JITSI_PUBLIC_URL: z._default(httpUrl(), 'https://localhost:8443'),
    JITSI_APP_ID: z._default(text(), 'jitsi-calls-local'),
    JITSI_JWT_AUDIENCE: z._default(text(), 'jitsi'),
    JITSI_JWT_ALG: z._default(z.enum(['HS256', 'RS256']), 'HS256'),
    /** 8x8 JaaS token shape: iss "chat", sub the app id, kid "<app id>/<key id>". */
    JITSI_JAAS: flag(false),
    JITSI_JWT_KID: optionalText(),
    JITSI_JWT_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
    JITSI_JWT_PRIVATE_KEY: optionalText(),
    JITSI_SECRET_ARN: arn,
    /**
     * RS256 only: the public key (SPKI PEM) Jitsi verifies tokens with (what prosody's
     * asap_key_server serves for the kid, or what was uploaded to JaaS). The JWT canary checks
     * the signing key against it; without it the canary derives the public key from the private one.
     */
    JITSI_JWT_PUBLIC_KEY: z.optional(
      z.string().check(z.regex(/-----BEGIN PUBLIC KEY-----/, 'must be a PEM public key (BEGIN PUBLIC KEY)')),
    ),
    JITSI_TOKEN_TTL_SECONDS: integer(10, 3600, 60),
    /** Prosody's HTTP base (end-meeting, kick), reachable from the service, never public. */
    JITSI_INTERNAL_URL: optionalUrl,
    /** Key id of the RS256 system token; Prosody fetches `<key URL>/<sha256 hex of kid>.pem`. */
    JITSI_SYSTEM_KID: z._default(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')), 'calls-system'),
    /** Secrets Manager secret `{private_key, kid?}` of the system token; unset locally (generated into DATA_DIR). */
    JITSI_SYSTEM_KEY_SECRET_ARN: arn,

    TURN_HOST: z._default(hostName, '127.0.0.1'),
    TURN_PORT: port(3478),
    TURNS_PORT: port(5349),
    TURN_SECRET: z.optional(z.string().check(z.minLength(16, 'must be at least 16 characters'))),
    TURN_SECRET_ARN: arn,
    TURN_USERNAME: optionalText(),
    TURN_PASSWORD: optionalText(),
    TURN_CREDENTIAL_TTL_SECONDS: integer(600, 7 * 24 * 3600, 12 * 3600),
    JIBRI_HOST: z.optional(hostName),

    PROBE_INTERVAL_SECONDS: integer(10, 3600, 60),
    JVB_HEALTH_URL: optionalUrl,
    JICOFO_HEALTH_URL: optionalUrl,
    /** The videobridge's private /colibri/stats: the Jitsi probe publishes its figures as metrics. */
    JVB_STATS_URL: optionalUrl,

    EVENTS_MODE: z._default(z.enum(['eventbridge', 'local']), 'local'),
    EVENT_BUS_NAME: optionalText(),
    /** Local event sink (JSON lines) that tests and the dev log read. */
    EVENTS_FILE: optionalText(),
    DATA_DIR: z._default(text(), '.data'),
    /** How long a Secrets Manager value is reused before a refetch picks up a rotation. */
    SECRETS_CACHE_TTL_SECONDS: integer(1, 24 * 3600, 300),
    /** Key id, key ARN or alias ARN that encrypts recording metadata; required deployed. */
    RECORDINGS_KMS_KEY_ID: optionalText(),
    /** Version of the consent text the client showed; stored with every recording consent. */
    CONSENT_TEXT_VERSION: z._default(
      z.string().check(z.regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1-32 characters of A-Z a-z 0-9 . _ -')),
      'v1',
    ),

    /** Comma-separated webhook receivers: https, or http to a loopback host locally. */
    WEBHOOK_URLS: optionalText(),
    /** Webhook signing secret, locally; deployed it is in Secrets Manager (WEBHOOK_SECRET_ARN). */
    WEBHOOK_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
    WEBHOOK_SECRET_ARN: arn,
    /** Deployed delivery function only: where a failed delivery waits for its retry, and its dead-letter queue. */
    WEBHOOK_QUEUE_URL: optionalUrl,
    WEBHOOK_DEAD_LETTER_QUEUE_URL: optionalUrl,
  })
  .check(
    z.superRefine((env, ctx) => {
      const require = (name: keyof typeof env, why: string) => {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `is required ${why}` });
      };
      if (env.AUTH_MODE === 'jwks') {
        require('AUTH_ISSUER', 'when AUTH_MODE=jwks');
        require('AUTH_AUDIENCE', 'when AUTH_MODE=jwks');
        if (!env.AUTH_JWKS && !env.AUTH_JWKS_URL) {
          ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'or AUTH_JWKS is required when AUTH_MODE=jwks' });
        }
      }
      if (env.STAGE !== 'local') {
        if (env.AUTH_MODE !== 'authorizer') {
          ctx.addIssue({ code: 'custom', path: ['AUTH_MODE'], message: 'must be "authorizer" in a deployed stage' });
        }
        require('JITSI_SECRET_ARN', 'in a deployed stage (the signing key lives in Secrets Manager)');
        // Fail at cold start, not at the first recording: there is no safe fallback key in Lambda.
        require('RECORDINGS_KMS_KEY_ID', 'in a deployed stage (recording metadata is encrypted under it)');
        if (!env.TURN_SECRET_ARN && !(env.TURN_USERNAME && env.TURN_PASSWORD)) {
          ctx.addIssue({
            code: 'custom',
            path: ['TURN_SECRET_ARN'],
            message: 'or TURN_USERNAME/TURN_PASSWORD is required in a deployed stage',
          });
        }
        if (env.EVENTS_MODE === 'eventbridge') require('EVENT_BUS_NAME', 'when EVENTS_MODE=eventbridge');
      }
      if (env.JITSI_JWT_ALG === 'RS256') require('JITSI_JWT_KID', 'when JITSI_JWT_ALG=RS256');
      if (env.JITSI_JAAS && env.JITSI_JWT_ALG !== 'RS256') {
        ctx.addIssue({ code: 'custom', path: ['JITSI_JAAS'], message: 'needs JITSI_JWT_ALG=RS256' });
      }
      const webhookUrls = env.WEBHOOK_URLS === undefined ? [] : splitWebhookUrls(env.WEBHOOK_URLS);
      webhookUrls.forEach((url, position) => {
        // The position, not the URL: a receiver's query string may hold its own token.
        const problem = webhookUrlProblem(url, env.STAGE);
        if (problem) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_URLS'], message: `entry ${position + 1} ${problem}` });
      });
      if (webhookUrls.length > 0 && !env.WEBHOOK_SECRET_ARN && (env.STAGE !== 'local' || !env.WEBHOOK_SECRET)) {
        const where =
          env.STAGE === 'local' ? 'WEBHOOK_SECRET (or WEBHOOK_SECRET_ARN)' : 'WEBHOOK_SECRET_ARN (the signing secret in Secrets Manager)';
        ctx.addIssue({ code: 'custom', path: ['WEBHOOK_URLS'], message: `needs ${where} to sign with` });
      }
      if ((env.TURN_USERNAME === undefined) !== (env.TURN_PASSWORD === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['TURN_PASSWORD'], message: 'TURN_USERNAME and TURN_PASSWORD go together' });
      }
    }),
  );

export type RawEnv = z.infer<typeof envSchema>;

export interface Config extends RawEnv {
  /** Whether TURNS_PORT was set explicitly (the probe only checks TLS then). */
  turnsPortConfigured: boolean;
  /** WEBHOOK_URLS split and checked; empty when unset. */
  webhookUrls: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // Treat empty strings as unset, as shells and CDK context often produce them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    // Name the variable and the rule, never the value: some of these are secrets.
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'} ${issue.message}`));
  }
  return {
    ...parsed.data,
    turnsPortConfigured: cleaned.TURNS_PORT !== undefined,
    webhookUrls: parsed.data.WEBHOOK_URLS === undefined ? [] : splitWebhookUrls(parsed.data.WEBHOOK_URLS),
  };
}

let cached: Config | undefined;

export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Tests and the local server change the environment between runs. */
export function resetConfigForTests(): void {
  cached = undefined;
}
