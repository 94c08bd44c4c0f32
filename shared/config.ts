// Every configuration variable is declared once, below. From these declarations come the
// startup check (loadConfig), the stage's CDK context validation (infra/constructs/stage-config.ts),
// the mapping into each function's environment (functionEnvironment) and the README's table
// (npm run readme:config). The only module that reads process.env.

import { webhookUrlProblem } from './webhooks/urls';

export type VariableKind =
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'text'; readonly minLength?: number; readonly pattern?: RegExp; readonly rule?: string }
  | { readonly type: 'url' }
  | { readonly type: 'host' }
  | { readonly type: 'arn' }
  /** Comma-separated webhook receivers: https, or http to a loopback host (local receivers). */
  | { readonly type: 'webhook-urls' }
  /** Comma-separated URI schemes, lowercase. */
  | { readonly type: 'schemes' };

/** Where a deployed stage's value comes from. */
export type VariableSource =
  /** cdk.json `context.stages.<stage>.<context key>`, mapped into every function's environment. */
  | 'context'
  /** Set by the CDK stack itself (resource names, ARNs, fixed modes). */
  | 'stack'
  /** A secret: Secrets Manager when deployed, never in a function's environment there. */
  | 'secret'
  /** Only the local server and tests use it. */
  | 'local';

export interface VariableSpec {
  readonly kind: VariableKind;
  readonly default?: string | number | boolean | readonly string[];
  readonly secret?: boolean;
  readonly source: VariableSource;
  /** The cdk.json stage context key, for source 'context'. */
  readonly context?: string;
  /** Whether a deployed stage may keep the default; false when it only makes sense on this machine. */
  readonly deployedDefault?: boolean;
}
// Each variable's meaning is its JSDoc comment (and `@localDefault` where the default is not a
// plain value): minified away from the bundles, read by the README generator (infra/config-readme.ts).

const integer = (min: number, max: number) => ({ type: 'integer', min, max }) as const;
const flag = { type: 'boolean' } as const;
const url = { type: 'url' } as const;
const host = { type: 'host' } as const;
const arn = { type: 'arn' } as const;
const text = (minLength = 1) => ({ type: 'text', minLength }) as const;
const secretText = (minLength: number) => ({ type: 'text', minLength, rule: `must be at least ${minLength} characters` }) as const;

export const VARIABLES = {
  /** the stage the code runs in */
  STAGE: {
    kind: { type: 'enum', values: ['local', 'dev', 'staging', 'prod'] },
    default: 'local',
    source: 'stack',
  },
  /** local server port (127.0.0.1 only) */
  PORT: { kind: integer(1, 65535), default: 3000, source: 'local' },
  /** local data: DynamoDB Local files, issuer key, dev secrets, events */
  DATA_DIR: {
    kind: text(),
    default: '.data',
    source: 'local',
  },
  /**
   * AWS region
   * @localDefault set by Lambda
   */
  AWS_REGION: { kind: text(), default: 'us-east-1', source: 'stack' },
  /** the DynamoDB table */
  TABLE_NAME: { kind: text(3), default: 'jitsi-calls-local', source: 'stack' },
  /**
   * DynamoDB Local's URL
   * @localDefault set by the local server
   */
  DYNAMODB_ENDPOINT: { kind: url, source: 'local' },

  /** the rollback switch: off, start and join answer 503 `feature_disabled` */
  CALLS_ENABLED: {
    kind: flag,
    default: true,
    source: 'context',
    context: 'callsEnabled',
  },

  /** the bearer claim holding `admin`, `instructor`, `student` */
  ROLES_CLAIM: {
    kind: text(),
    default: 'roles',
    source: 'context',
    context: 'rolesClaim',
  },

  /** Jitsi's XMPP domain: the token's `sub` */
  JITSI_DOMAIN: {
    kind: host,
    default: 'meet.jitsi',
    source: 'context',
    context: 'jitsiDomain',
    deployedDefault: false,
  },
  /** what clients open */
  JITSI_PUBLIC_URL: {
    kind: url,
    default: 'https://localhost:8443',
    source: 'context',
    context: 'jitsiPublicUrl',
    deployedDefault: false,
  },
  /** the token's `iss` (Prosody `app_id`) */
  JITSI_APP_ID: {
    kind: text(),
    default: 'jitsi-calls-local',
    source: 'context',
    context: 'jitsiAppId',
    deployedDefault: false,
  },
  /** the token's `aud` */
  JITSI_JWT_AUDIENCE: { kind: text(), default: 'jitsi', source: 'context', context: 'jitsiJwtAudience' },
  /** `RS256` for deployments whose Jitsi verifies public keys (then `JITSI_JWT_PRIVATE_KEY`, `JITSI_JWT_KID`) */
  JITSI_JWT_ALG: {
    kind: { type: 'enum', values: ['HS256', 'RS256'] },
    default: 'HS256',
    source: 'context',
    context: 'jitsiJwtAlg',
  },
  /** 8x8 JaaS token shape (`iss` `chat`, `sub` the app id, `kid` `<app id>/<key id>`); needs RS256 */
  JITSI_JAAS: {
    kind: flag,
    default: false,
    source: 'context',
    context: 'jitsiJaas',
  },
  /** RS256 key id; a `kid` in the secret wins */
  JITSI_JWT_KID: { kind: text(), source: 'context', context: 'jitsiJwtKid' },
  /**
   * HS256 app secret (Prosody `app_secret`); deployed in `JITSI_SECRET_ARN`
   * @localDefault generated into `DATA_DIR`
   */
  JITSI_JWT_SECRET: {
    kind: secretText(32),
    secret: true,
    source: 'secret',
  },
  /** RS256 private key (PKCS#8 PEM); deployed in `JITSI_SECRET_ARN` */
  JITSI_JWT_PRIVATE_KEY: {
    kind: text(),
    secret: true,
    source: 'secret',
  },
  /** Secrets Manager secret holding the Jitsi signing key (deployed) */
  JITSI_SECRET_ARN: { kind: arn, source: 'stack' },
  /** RS256 only: the public key Jitsi trusts; the JWT canary then checks the key pair */
  JITSI_JWT_PUBLIC_KEY: {
    kind: { type: 'text', pattern: /-----BEGIN PUBLIC KEY-----/, rule: 'must be a PEM public key (BEGIN PUBLIC KEY)' },
    source: 'context',
    context: 'jitsiJwtPublicKey',
  },
  /** Jitsi token lifetime */
  JITSI_TOKEN_TTL_SECONDS: {
    kind: integer(10, 3600),
    default: 60,
    source: 'context',
    context: 'jitsiTokenTtlSeconds',
  },
  /** Prosody's internal HTTP base for end-meeting and kick; never public */
  JITSI_INTERNAL_URL: {
    kind: url,
    source: 'context',
    context: 'jitsiInternalUrl',
  },
  /** `kid` of the system token (RS256, its own key pair) for Prosody's end-meeting and kick */
  JITSI_SYSTEM_KID: {
    kind: text(),
    default: 'calls-system',
    source: 'context',
    context: 'jitsiSystemKid',
  },
  /** bearer that Prosody's `event_sync` sends to `/api/jitsi/events/*` */
  JITSI_EVENTS_SECRET: {
    kind: secretText(32),
    secret: true,
    source: 'secret',
  },
  /** Secrets Manager secret `{secret}` of the `event_sync` bearer (deployed; locally `JITSI_EVENTS_SECRET` or generated into `DATA_DIR`) */
  JITSI_EVENTS_SECRET_ARN: { kind: arn, source: 'stack' },
  /** Secrets Manager secret `{private_key, kid?}` of the system token (deployed; locally generated into `DATA_DIR`) */
  JITSI_SYSTEM_KEY_SECRET_ARN: { kind: arn, source: 'stack' },
  /** JaaS webhook signing secret (JaaS deployments; without it `/api/jitsi/webhooks/jaas` answers 401) */
  JAAS_WEBHOOK_SECRET: { kind: secretText(16), secret: true, source: 'secret' },
  /** Secrets Manager secret `{secret}` of the JaaS webhook signing secret (deployed; locally `JAAS_WEBHOOK_SECRET`) */
  JAAS_WEBHOOK_SECRET_ARN: { kind: arn, source: 'stack' },

  /** coturn host name in the ICE servers */
  TURN_HOST: {
    kind: host,
    default: '127.0.0.1',
    source: 'context',
    context: 'turnHost',
    deployedDefault: false,
  },
  /** STUN/TURN port */
  TURN_PORT: { kind: integer(1, 65535), default: 3478, source: 'context', context: 'turnPort' },
  /** TURN-over-TLS port; the probe checks TLS only when it is set */
  TURNS_PORT: {
    kind: integer(1, 65535),
    default: 5349,
    source: 'context',
    context: 'turnsPort',
  },
  /**
   * coturn `static-auth-secret` (TURN REST scheme); deployed in `TURN_SECRET_ARN`
   * @localDefault generated into `DATA_DIR`
   */
  TURN_SECRET: {
    kind: secretText(16),
    secret: true,
    source: 'secret',
  },
  /** Secrets Manager secret holding the TURN secret (deployed) */
  TURN_SECRET_ARN: { kind: arn, source: 'stack' },
  /** static TURN credentials instead of the REST scheme */
  TURN_USERNAME: { kind: text(), source: 'local' },
  /** goes with `TURN_USERNAME` */
  TURN_PASSWORD: { kind: text(), secret: true, source: 'local' },
  /** TURN credential lifetime: long enough to outlast a call */
  TURN_CREDENTIAL_TTL_SECONDS: {
    kind: integer(600, 7 * 24 * 3600),
    default: 12 * 3600,
    source: 'context',
    context: 'turnCredentialTtlSeconds',
  },
  /** optional, informational */
  JIBRI_HOST: { kind: host, source: 'context', context: 'jibriHost' },

  /** health probe period; deployed, whole minutes (EventBridge schedules) */
  PROBE_INTERVAL_SECONDS: {
    kind: integer(10, 3600),
    default: 60,
    source: 'context',
    context: 'probeIntervalSeconds',
  },
  /** videobridge's internal `/about/health` URL */
  JVB_HEALTH_URL: { kind: url, source: 'context', context: 'jvbHealthUrl' },
  /** Jicofo's internal `/about/health` URL */
  JICOFO_HEALTH_URL: { kind: url, source: 'context', context: 'jicofoHealthUrl' },
  /** videobridge statistics (JVB's `/colibri/stats`) */
  JVB_STATS_URL: { kind: url, source: 'context', context: 'jvbStatsUrl' },

  /**
   * where events go
   * @localDefault `local`; `eventbridge` deployed
   */
  EVENTS_MODE: {
    kind: { type: 'enum', values: ['eventbridge', 'local'] },
    default: 'local',
    source: 'stack',
  },
  /** the stage's EventBridge bus (deployed) */
  EVENT_BUS_NAME: { kind: text(), source: 'stack' },
  /**
   * the live channel's API Gateway Management endpoint (`https://<api id>.execute-api.<region>.amazonaws.com/<stage>`)
   * @localDefault unset: the local server pushes to its own sockets
   */
  LIVE_MANAGEMENT_URL: { kind: url, source: 'stack' },
  /**
   * the identity provider's issuer that the live channel's `$connect` authorizer accepts (the HTTP API's JWT authorizer checks its own in API Gateway)
   * @localDefault unset: the local server's authorizer has its own
   */
  LIVE_AUTH_ISSUER: { kind: url, source: 'stack' },
  /**
   * the audiences (comma-separated) that the live channel's `$connect` authorizer accepts
   * @localDefault unset: the local server's authorizer has its own
   */
  LIVE_AUTH_AUDIENCE: { kind: text(), source: 'stack' },
  /**
   * local event sink (JSON lines)
   * @localDefault `DATA_DIR/events.jsonl`
   */
  EVENTS_FILE: { kind: text(), source: 'local' },
  /**
   * where every event is POSTed
   * @localDefault none
   */
  WEBHOOK_URLS: {
    kind: { type: 'webhook-urls' },
    default: [],
    source: 'context',
    context: 'webhookUrls',
  },
  /**
   * webhook signing secret (`X-Calls-Signature`); deployed in `WEBHOOK_SECRET_ARN`
   * @localDefault none: required locally when `WEBHOOK_URLS` is set
   */
  WEBHOOK_SECRET: { kind: secretText(32), secret: true, source: 'secret' },
  /** Secrets Manager secret holding the webhook signing secret (deployed) */
  WEBHOOK_SECRET_ARN: { kind: arn, source: 'stack' },
  /** the delivery function's queue, where a failed delivery waits for its retry (deployed) */
  WEBHOOK_QUEUE_URL: { kind: url, source: 'stack' },
  /** the delivery function's dead-letter queue, which `npm run webhooks -- replay` reads (deployed) */
  WEBHOOK_DEAD_LETTER_QUEUE_URL: { kind: url, source: 'stack' },

  /** an unanswered invitation becomes `missed` after this */
  RING_TIMEOUT_SECONDS: {
    kind: integer(5, 600),
    default: 45,
    source: 'context',
    context: 'ringTimeoutSeconds',
  },
  /** a call everyone left ends (`room_empty`) after this */
  CALL_EMPTY_GRACE_SECONDS: {
    kind: integer(10, 3600),
    default: 120,
    source: 'context',
    context: 'callEmptyGraceSeconds',
  },
  /** a call still active after this ends (`expired`) */
  CALL_MAX_HOURS: {
    kind: integer(1, 168),
    default: 24,
    source: 'context',
    context: 'callMaxHours',
  },
  /** a join Jitsi does not confirm within this is `never_connected` (rooms with presence only) */
  PRESENCE_CONFIRM_SECONDS: {
    kind: integer(10, 3600),
    default: 120,
    source: 'context',
    context: 'presenceConfirmSeconds',
  },
  /** a live class Jitsi reports empty this long ends */
  LIVE_CLASS_EMPTY_MINUTES: {
    kind: integer(1, 1440),
    default: 30,
    source: 'context',
    context: 'liveClassEmptyMinutes',
  },

  /** how long a function reuses a secret fetched from Secrets Manager */
  SECRETS_CACHE_TTL_SECONDS: {
    kind: integer(1, 24 * 3600),
    default: 300,
    source: 'context',
    context: 'secretsCacheTtlSeconds',
  },
  /**
   * the KMS key for recording metadata; required deployed
   * @localDefault unset locally (local AES key in `DATA_DIR`)
   */
  RECORDINGS_KMS_KEY_ID: {
    kind: text(),
    source: 'stack',
  },
  /** schemes accepted in `storage_uri` and `transcript_uri` (comma-separated) */
  RECORDING_URI_SCHEMES: {
    kind: { type: 'schemes' },
    default: ['s3', 'https'],
    source: 'context',
    context: 'recordingUriSchemes',
  },
  /** version of the recording consent text, stored with each consent */
  CONSENT_TEXT_VERSION: {
    kind: { type: 'text', pattern: /^[A-Za-z0-9._-]{1,32}$/, rule: 'must be 1-32 characters of A-Z a-z 0-9 . _ -' },
    default: 'v1',
    source: 'context',
    context: 'consentTextVersion',
  },
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;

type KindValue<K> = K extends { type: 'integer' }
  ? number
  : K extends { type: 'boolean' }
    ? boolean
    : K extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : K extends { type: 'webhook-urls' | 'schemes' }
        ? string[]
        : string;
type SpecValue<S> = S extends { kind: infer K; default: unknown }
  ? KindValue<K>
  : KindValue<S extends { kind: infer K } ? K : never> | undefined;

export type RawEnv = { -readonly [N in VariableName]: SpecValue<(typeof VARIABLES)[N]> };

export interface Config extends RawEnv {
  /** Whether TURNS_PORT was set explicitly (the probe only checks TLS then). */
  turnsPortConfigured: boolean;
}

type Parsed = { value: string | number | boolean | string[] } | { problem: string };

const HOST_PATTERN = /^[A-Za-z0-9.-]{1,253}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

const isHttpUrl = (raw: string) => {
  const parsed = parseUrl(raw);
  return parsed !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
};

const splitList = (raw: string) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** What a valid value is, in words: the second half of every error message. */
export function describeKind(kind: VariableKind): string {
  switch (kind.type) {
    case 'integer':
      return `must be an integer from ${kind.min} to ${kind.max}`;
    case 'boolean':
      return 'must be true or false (or 1 or 0)';
    case 'enum':
      return `must be one of ${kind.values.join(', ')}`;
    case 'text':
      return kind.rule ?? (kind.minLength && kind.minLength > 1 ? `must be at least ${kind.minLength} characters` : 'must not be empty');
    case 'url':
      return 'must be an http:// or https:// URL';
    case 'host':
      return 'must be a host name or IP address, without scheme or port';
    case 'arn':
      return 'must be an ARN (arn:…)';
    case 'webhook-urls':
      return 'must be comma-separated https:// URLs (http:// only to localhost, 127.0.0.1 or [::1])';
    case 'schemes':
      return 'must be comma-separated URI schemes (letters, digits, + . -), e.g. s3,https';
  }
}

export function parseValue(kind: VariableKind, raw: string): Parsed {
  const problem = { problem: describeKind(kind) };
  switch (kind.type) {
    case 'integer': {
      const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      return Number.isSafeInteger(value) && value >= kind.min && value <= kind.max ? { value } : problem;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return { value: true };
      if (raw === 'false' || raw === '0') return { value: false };
      return problem;
    case 'enum':
      return kind.values.includes(raw) ? { value: raw } : problem;
    case 'text':
      if (raw.length < (kind.minLength ?? 1)) return problem;
      return kind.pattern && !kind.pattern.test(raw) ? problem : { value: raw };
    case 'url':
      return isHttpUrl(raw) ? { value: raw } : problem;
    case 'host':
      return HOST_PATTERN.test(raw) ? { value: raw } : problem;
    case 'arn':
      return raw.startsWith('arn:') ? { value: raw } : problem;
    case 'webhook-urls': {
      const urls = splitList(raw);
      const bad = urls.findIndex((item) => {
        const parsed = isHttpUrl(item) ? parseUrl(item) : undefined;
        return parsed === undefined || (parsed.protocol !== 'https:' && !LOOPBACK_HOSTS.has(parsed.hostname));
      });
      return bad < 0 ? { value: urls } : { problem: `entry ${bad + 1} must be https (or http to a loopback host)` };
    }
    case 'schemes': {
      const schemes = splitList(raw).map((scheme) => scheme.toLowerCase());
      return schemes.length > 0 && schemes.every((scheme) => /^[a-z][a-z0-9+.-]{0,31}$/.test(scheme)) ? { value: schemes } : problem;
    }
  }
}

const shown = (raw: string) => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);

/** `JITSI_TOKEN_TTL_SECONDS must be an integer from 10 to 3600; got "abc"`; a secret's value is never shown. */
export function invalidValueMessage(
  label: string,
  spec: VariableSpec,
  raw: string,
  display = shown(raw),
  problem = describeKind(spec.kind),
): string {
  // A webhook receiver's URL may carry its own token in the query: named by position, never shown.
  const hidden = spec.secret || spec.kind.type === 'webhook-urls';
  return `${label} ${problem}${hidden ? '' : `; got ${display}`}`;
}

function defaultValue(spec: VariableSpec): string | number | boolean | string[] | undefined {
  return Array.isArray(spec.default) ? [...(spec.default as readonly string[])] : (spec.default as string | number | boolean | undefined);
}

/** Reads one variable the way loadConfig does, for tools that need a single value (the local server's PORT). */
export function readVariable<N extends VariableName>(name: N, env: Record<string, string | undefined>): RawEnv[N] {
  const spec: VariableSpec = VARIABLES[name];
  const raw = env[name];
  if (raw === undefined || raw === '') return defaultValue(spec) as RawEnv[N];
  const parsed = parseValue(spec.kind, raw);
  if ('problem' in parsed) throw new ConfigError([invalidValueMessage(name, spec, raw, undefined, parsed.problem)]);
  return parsed.value as RawEnv[N];
}

function crossChecks(env: RawEnv, problems: string[]): void {
  const require = (name: VariableName, why: string) => {
    if (env[name] === undefined) problems.push(`${name} is required ${why}`);
  };
  if (env.STAGE !== 'local') {
    require('JITSI_SECRET_ARN', 'in a deployed stage (the signing key lives in Secrets Manager)');
    // Fail at cold start, not at the first recording: there is no safe fallback key in Lambda.
    require('RECORDINGS_KMS_KEY_ID', 'in a deployed stage (recording metadata is encrypted under it)');
    if (!env.TURN_SECRET_ARN && !(env.TURN_USERNAME && env.TURN_PASSWORD)) {
      problems.push('TURN_SECRET_ARN or TURN_USERNAME/TURN_PASSWORD is required in a deployed stage');
    }
    if (env.EVENTS_MODE === 'eventbridge') require('EVENT_BUS_NAME', 'when EVENTS_MODE=eventbridge');
  }
  if (env.JITSI_JWT_ALG === 'RS256') require('JITSI_JWT_KID', 'when JITSI_JWT_ALG=RS256');
  if (env.JITSI_JAAS && env.JITSI_JWT_ALG !== 'RS256') problems.push('JITSI_JAAS needs JITSI_JWT_ALG=RS256');
  if ((env.TURN_USERNAME === undefined) !== (env.TURN_PASSWORD === undefined)) {
    problems.push('TURN_PASSWORD: TURN_USERNAME and TURN_PASSWORD go together');
  }
  // Stage-aware (plain http only to a loopback receiver of the local server). The signing secret is
  // the deliverer's to require: every function gets WEBHOOK_URLS, only the deliverer signs.
  (env.WEBHOOK_URLS ?? []).forEach((url, position) => {
    // The position, not the URL: a receiver's query string may hold its own token.
    const problem = webhookUrlProblem(url, env.STAGE);
    if (problem) problems.push(`WEBHOOK_URLS entry ${position + 1} ${problem}`);
  });
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const deployed = env.STAGE !== undefined && env.STAGE !== '' && env.STAGE !== 'local';
  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, VariableSpec][]) {
    const raw = env[name];
    // Empty strings count as unset, as shells and CDK context often produce them.
    if (raw === undefined || raw === '') {
      if (deployed && spec.deployedDefault === false) {
        problems.push(`${name} must be set in a deployed stage (the local default only works on a developer's machine)`);
      }
      values[name] = defaultValue(spec);
      continue;
    }
    const parsed = parseValue(spec.kind, raw);
    if ('problem' in parsed) problems.push(invalidValueMessage(name, spec, raw, undefined, parsed.problem));
    else values[name] = parsed.value;
  }
  crossChecks(values as RawEnv, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...(values as RawEnv), turnsPortConfigured: env.TURNS_PORT !== undefined && env.TURNS_PORT !== '' };
}

/** The variables a stage's CDK context sets, with their context keys. */
export const CONTEXT_VARIABLES = (Object.entries(VARIABLES) as [VariableName, VariableSpec][]).flatMap(([name, spec]) =>
  spec.source === 'context' && spec.context ? [{ name, spec, key: spec.context }] : [],
);

/** The environment string for a context value (lists comma-joined), or undefined when unset. */
export function contextValueToEnv(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(String).join(',');
  return String(value);
}

/**
 * Every function's environment: the stage context's variables plus what the stack itself sets.
 * Only declared variables get through, so a typo in the stack fails the synth.
 */
export function functionEnvironment(
  context: Readonly<Record<string, unknown>>,
  fromStack: Partial<Record<VariableName, string>>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const { name, key } of CONTEXT_VARIABLES) {
    const value = contextValueToEnv(context[key]);
    if (value !== undefined) environment[name] = value;
  }
  for (const [name, value] of Object.entries(fromStack)) {
    const spec: VariableSpec | undefined = VARIABLES[name as VariableName];
    if (!spec || spec.source !== 'stack') throw new Error(`${name} is not a variable the stack sets (see VARIABLES in shared/config.ts)`);
    if (value !== undefined) environment[name] = value;
  }
  return environment;
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
