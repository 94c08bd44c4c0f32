import * as z from 'zod/mini';

// Per-stage settings: the facts of each environment live in cdk.json context under `stages`;
// the policy that follows from the stage (retention, deletion protection, alarm thresholds,
// log verbosity) lives in STAGE_POLICY below, so a context typo cannot weaken prod.

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

const hostName = z.string().check(z.regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name, without scheme or port'));
const port = (defaultValue: number) => z._default(z.number().check(z.int(), z.gte(1), z.lte(65535)), defaultValue);
const seconds = (min: number, max: number, defaultValue: number) =>
  z._default(z.number().check(z.int(), z.gte(min), z.lte(max)), defaultValue);
const origin = z.string().check(z.regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/, 'must be an origin: scheme://host[:port], no path'));

/** One stage's context (`cdk.json` → `context.stages.<stage>`). Defaults are documented in ops/deploy.md. */
export const stageContextSchema = z.strictObject({
  /** Host name of the Jitsi Meet deployment (JITSI_DOMAIN). */
  jitsiDomain: hostName,
  /** Public URL of Jitsi Meet (JITSI_PUBLIC_URL). */
  jitsiPublicUrl: z.httpUrl(),
  /** Jitsi app id: the token's `iss` (JITSI_APP_ID). */
  jitsiAppId: z.string().check(z.minLength(1)),
  /** The token's `aud` (JITSI_JWT_AUDIENCE). Default `jitsi`. */
  jitsiJwtAudience: z._default(z.string().check(z.minLength(1)), 'jitsi'),
  /** Token signature (JITSI_JWT_ALG): HS256 with the app secret (default) or RS256 with a key id. */
  jitsiJwtAlg: z._default(z.enum(['HS256', 'RS256']), 'HS256'),
  /** Key id for RS256 (JITSI_JWT_KID); a `kid` in the secret takes precedence. */
  jitsiJwtKid: z.optional(z.string().check(z.minLength(1))),
  /** RS256 only: the PEM public key Jitsi trusts, so the probe's JWT canary checks the key pair (JITSI_JWT_PUBLIC_KEY). */
  jitsiJwtPublicKey: z.optional(z.string().check(z.regex(/-----BEGIN PUBLIC KEY-----/, 'must be a PEM public key'))),
  /** 8x8 JaaS token shape (JITSI_JAAS); needs RS256. Default false. */
  jitsiJaas: z._default(z.boolean(), false),
  /** Jitsi token lifetime (JITSI_TOKEN_TTL_SECONDS). Default 60, at most 3600. */
  jitsiTokenTtlSeconds: seconds(10, 3600, 60),
  /** TURN server host name (TURN_HOST). */
  turnHost: hostName,
  /** Default 3478. */
  turnPort: port(3478),
  /** TLS port; set it only where TURNS is served: the probe checks TLS only when TURNS_PORT is set. */
  turnsPort: z.optional(z.number().check(z.int(), z.gte(1), z.lte(65535))),
  /** TURN credential lifetime (TURN_CREDENTIAL_TTL_SECONDS). Default 12 h. */
  turnCredentialTtlSeconds: seconds(600, 7 * 24 * 3600, 12 * 3600),
  /** Optional Jibri host (JIBRI_HOST). */
  jibriHost: z.optional(hostName),
  /** Version of the recording consent text the apps show (CONSENT_TEXT_VERSION). Default v1. */
  consentTextVersion: z._default(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,32}$/)), 'v1'),
  /** Optional internal health URLs the probes read (JVB_HEALTH_URL, JICOFO_HEALTH_URL). */
  jvbHealthUrl: z.optional(z.httpUrl()),
  jicofoHealthUrl: z.optional(z.httpUrl()),
  /** Optional videobridge /colibri/stats URL (JVB_STATS_URL): its metrics, dashboard row and alarms. */
  jvbStatsUrl: z.optional(z.httpUrl()),
  /** Probe period (PROBE_INTERVAL_SECONDS); EventBridge schedules run in whole minutes. Default 60. */
  probeIntervalSeconds: z._default(
    z.number().check(z.int(), z.gte(60), z.lte(3600), z.multipleOf(60, 'must be a whole number of minutes')),
    60,
  ),
  /** How long a function reuses a fetched secret (SECRETS_CACHE_TTL_SECONDS). Default 300. */
  secretsCacheTtlSeconds: seconds(1, 24 * 3600, 300),
  /** Identity provider issuer URL: the JWT authorizer checks `iss` against it (AUTH_ISSUER). */
  authIssuer: z.httpUrl(),
  /** Accepted `aud` values (the first one is passed on as AUTH_AUDIENCE). */
  authAudience: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  /** Name of the roles claim (ROLES_CLAIM). Default `roles`. */
  rolesClaim: z._default(z.string().check(z.minLength(1)), 'roles'),
  /** The API's public URL as clients call it (custom domain): npm run csp puts it in connect-src. */
  apiUrl: z.optional(z.httpUrl()),
  /** Where the apps open the live channel (wss://…), when not on the API's host: also in connect-src. */
  liveChannelUrl: z.optional(z.url({ protocol: /^wss$/ })),
  /** Front-end origins allowed by CORS. Default none (no browser access). */
  allowedOrigins: z._default(z.array(origin), []),
  /** Alarm e-mail; no subscription when absent (subscribe by hand or by another channel). */
  alarmEmail: z.optional(z.email()),
  /** HTTP API stage throttling: steady requests per second and burst. Defaults 50 and 100. */
  throttleRateLimit: z._default(z.number().check(z.gte(1)), 50),
  throttleBurstLimit: z._default(z.number().check(z.int(), z.gte(1)), 100),
  /** The rollback switch (CALLS_ENABLED): false makes start and join answer 503 feature_disabled. Default true. */
  callsEnabled: z._default(z.boolean(), true),
  /** Webhook receivers (WEBHOOK_URLS), https only; when set, the stack adds the signed delivery path. Default none. */
  webhookUrls: z.optional(z.array(z.url({ protocol: /^https$/ }))),
});

export type StageContext = z.infer<typeof stageContextSchema>;

export interface StagePolicy {
  readonly logRetentionDays: number;
  /** DynamoDB deletion protection and RETAIN of stateful resources. */
  readonly protectData: boolean;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN';
  /** Powertools' event logging; never in prod, where events carry bearer tokens. */
  readonly logEvent: boolean;
  /** Alarm thresholds: counts per 5 minutes, and the API 5xx percentage. */
  readonly joinFailedThreshold: number;
  readonly failedToStartCallThreshold: number;
  readonly api5xxPercentThreshold: number;
  readonly functionErrorsThreshold: number;
  /** Videobridge stress level (0 idle, 1 full) sustained over 3 probe periods; jicofo avoids bridges above 0.8. */
  readonly jvbStressLevelThreshold: number;
  /** Videobridge packet loss, percent, upload or download, sustained over 3 probe periods. */
  readonly jvbLossPercentThreshold: number;
}

export const STAGE_POLICY: Record<Stage, StagePolicy> = {
  dev: {
    logRetentionDays: 7,
    protectData: false,
    logLevel: 'DEBUG',
    logEvent: true,
    joinFailedThreshold: 25,
    failedToStartCallThreshold: 20,
    api5xxPercentThreshold: 20,
    functionErrorsThreshold: 10,
    jvbStressLevelThreshold: 0.9,
    jvbLossPercentThreshold: 10,
  },
  staging: {
    logRetentionDays: 30,
    protectData: false,
    logLevel: 'INFO',
    logEvent: false,
    joinFailedThreshold: 10,
    failedToStartCallThreshold: 5,
    api5xxPercentThreshold: 10,
    functionErrorsThreshold: 5,
    jvbStressLevelThreshold: 0.8,
    jvbLossPercentThreshold: 5,
  },
  prod: {
    logRetentionDays: 90,
    protectData: true,
    logLevel: 'INFO',
    logEvent: false,
    joinFailedThreshold: 5,
    failedToStartCallThreshold: 3,
    api5xxPercentThreshold: 5,
    functionErrorsThreshold: 1,
    jvbStressLevelThreshold: 0.8,
    jvbLossPercentThreshold: 3,
  },
};

export interface StageSettings {
  readonly stage: Stage;
  readonly context: StageContext;
  readonly policy: StagePolicy;
}

export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

export function parseStage(value: unknown): Stage {
  if (typeof value === 'string' && (STAGES as readonly string[]).includes(value)) return value as Stage;
  throw new StageConfigError(
    `-c stage= must be one of ${STAGES.join(', ')} (got ${value === undefined ? 'nothing' : JSON.stringify(value)})`,
  );
}

/** Command-line overrides of one stage's context, e.g. `-c callsEnabled=false` for the rollback switch. */
export interface StageOverrides {
  readonly callsEnabled?: unknown;
}

function parseFlag(name: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StageConfigError(`-c ${name}= must be true or false (got ${JSON.stringify(value)})`);
}

/** Reads `stage` and `stages.<stage>` from CDK context; throws naming every bad key. */
export function resolveStageSettings(stageValue: unknown, stagesContext: unknown, overrides: StageOverrides = {}): StageSettings {
  const stage = parseStage(stageValue);
  const raw = (stagesContext as Record<string, unknown> | undefined)?.[stage];
  if (raw === undefined) throw new StageConfigError(`cdk.json context has no stages.${stage}`);
  const parsed = stageContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `stages.${stage}.${issue.path.join('.')} ${issue.message}`);
    throw new StageConfigError(`Invalid context: ${problems.join('; ')}`);
  }
  const context =
    overrides.callsEnabled === undefined
      ? parsed.data
      : { ...parsed.data, callsEnabled: parseFlag('callsEnabled', overrides.callsEnabled) };
  return { stage, context, policy: STAGE_POLICY[stage] };
}
