import * as z from 'zod/mini';
import { webhookUrlProblem } from '../../shared/webhooks/urls';
import {
  CONTEXT_VARIABLES,
  contextValueToEnv,
  describeKind,
  invalidValueMessage,
  parseValue,
  type RawEnv,
  type VariableKind,
  type VariableName,
  type VARIABLES,
} from '../../shared/config';

// Per-stage settings: the facts of each environment live in cdk.json context under `stages`;
// the policy that follows from the stage (retention, deletion protection, alarm thresholds,
// log verbosity) lives in STAGE_POLICY below, so a context typo cannot weaken prod.

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

const origin = z.string().check(z.regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/, 'must be an origin: scheme://host[:port], no path'));

/**
 * The stage context keys that are not function variables. The function variables' keys
 * (jitsiDomain, jitsiTokenTtlSeconds, …) come from VARIABLES in shared/config.ts, checked by the
 * same rules as at cold start.
 */
export const infraContextSchema = z.object({
  /** Identity provider issuer URL: the JWT authorizer checks `iss` against it. */
  authIssuer: z.httpUrl(),
  /** Accepted `aud` values: the JWT authorizer checks them; functions only read its claims. */
  authAudience: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
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
  /** Node's --enable-source-maps in every function (readable stack traces, slower cold start). Default false. */
  sourceMaps: z._default(z.boolean(), false),
});

type ContextKeyOf<N extends VariableName> = (typeof VARIABLES)[N] extends { context: infer K extends string } ? K : never;
/** The function variables a stage sets, by context key, typed as the functions read them. */
export type VariableContext = { [N in VariableName as ContextKeyOf<N>]: RawEnv[N] };
export type StageContext = z.infer<typeof infraContextSchema> & VariableContext;

const jsonTypeOk = (kind: VariableKind, value: unknown) => {
  if (kind.type === 'integer') return typeof value === 'number';
  if (kind.type === 'boolean') return typeof value === 'boolean';
  if (kind.type === 'webhook-urls' || kind.type === 'schemes')
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  return typeof value === 'string';
};

// EventBridge schedules run in whole minutes; the local server may probe more often.
const stageRules: Partial<Record<VariableName, (value: never) => string | undefined>> = {
  PROBE_INTERVAL_SECONDS: (value: number) =>
    value >= 60 && value % 60 === 0 ? undefined : 'must be a whole number of minutes (60, 120, … 3600) in a deployed stage',
  // Plain http is for loopback receivers of the local server only.
  WEBHOOK_URLS: (urls: string[]) => {
    const bad = urls.findIndex((url) => webhookUrlProblem(url, 'deployed') !== undefined);
    return bad < 0 ? undefined : `entry ${bad + 1} must be https in a deployed stage`;
  },
};

function parseVariableContext(raw: Record<string, unknown>, prefix: string, problems: string[]): VariableContext {
  const values: Record<string, unknown> = {};
  for (const { name, spec, key } of CONTEXT_VARIABLES) {
    const value = raw[key];
    const label = `${prefix}.${key}`;
    if (value === undefined) {
      if (spec.deployedDefault === false) problems.push(`${label} is required (${name}: ${describeKind(spec.kind)})`);
      else if (spec.default !== undefined) values[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      continue;
    }
    const asEnv = contextValueToEnv(value) ?? '';
    const parsed = jsonTypeOk(spec.kind, value) ? parseValue(spec.kind, asEnv) : { problem: describeKind(spec.kind) };
    if ('problem' in parsed) {
      problems.push(`${invalidValueMessage(label, spec, asEnv, JSON.stringify(value), parsed.problem)} (${name})`);
      continue;
    }
    const extra = stageRules[name]?.(parsed.value as never);
    if (extra) problems.push(`${label} ${extra} (${name})`);
    values[key] = parsed.value;
  }
  return values as VariableContext;
}

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
  /**
   * The function variables this stage sets itself (context or command line), by context key: only
   * these go into the function environment, where the same declared defaults fill the rest. A
   * default put there would read as set (TURNS_PORT set turns on the probe's TLS check).
   */
  readonly variables: Readonly<Record<string, unknown>>;
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
  const prefix = `stages.${stage}`;
  const problems: string[] = [];
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const known = new Set([...Object.keys(infraContextSchema.shape), ...CONTEXT_VARIABLES.map(({ key }) => key)]);
  for (const key of Object.keys(record)) if (!known.has(key)) problems.push(`${prefix}.${key} is not a known setting`);
  const variables = parseVariableContext(record, prefix, problems);
  const infraKeys = Object.fromEntries(Object.entries(record).filter(([key]) => key in infraContextSchema.shape));
  const infra = infraContextSchema.safeParse(infraKeys);
  if (!infra.success) problems.push(...infra.error.issues.map((issue) => `${prefix}.${issue.path.join('.')} ${issue.message}`));
  if (!infra.success || problems.length > 0) throw new StageConfigError(`Invalid context: ${problems.join('; ')}`);
  const parsed: StageContext = { ...infra.data, ...variables };
  const context =
    overrides.callsEnabled === undefined ? parsed : { ...parsed, callsEnabled: parseFlag('callsEnabled', overrides.callsEnabled) };
  const stageVariables = Object.fromEntries(
    CONTEXT_VARIABLES.flatMap(({ key }) =>
      key in record || (key === 'callsEnabled' && overrides.callsEnabled !== undefined) ? [[key, context[key as keyof StageContext]]] : [],
    ),
  );
  return { stage, context, variables: stageVariables, policy: STAGE_POLICY[stage] };
}
