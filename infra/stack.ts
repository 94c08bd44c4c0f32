import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations, type App, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { functionEnvironment, loadConfig } from '../shared/config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../shared/observability/metric-names';
import { BUNDLE_FILE, DIST_DIR, OUTBOX_RELAY_BUNDLE, WEBHOOK_DELIVERY_BUNDLE } from './build';
import { OutboxRelay } from './constructs/outbox-relay';
import { accessStatements, type AccessResources } from './constructs/access-policy';
import { CallSecrets } from './constructs/call-secrets';
import { CallsFunction } from './constructs/calls-function';
import { CallsHttpApi } from './constructs/calls-http-api';
import { CallsTable } from './constructs/calls-table';
import { Observability } from './constructs/observability';
import { resolveStageSettings, type StageSettings } from './constructs/stage-config';
import { LiveChannel } from './constructs/live-channel';
import { WebhookDelivery } from './constructs/webhook-delivery';
import { routes, type RouteAccess, type RouteDefinition } from './routes';
import { schedules as defaultSchedules, type ScheduleDefinition } from './schedules';

/** Where each function's code comes from. */
export type CodeSource =
  /** The prebuilt bundles of `npm run build`: the budgeted artifact is the deployed one. */
  | { kind: 'dist'; distDir?: string }
  /** A one-line placeholder handler, for tests that synthesize the stack without building. Never deploy it. */
  | { kind: 'placeholder' };

export interface CallsStackProps extends StackProps {
  readonly settings: StageSettings;
  readonly code?: CodeSource;
  /** Defaults to the route table; tests pass their own. */
  readonly routes?: readonly RouteDefinition[];
  readonly schedules?: readonly ScheduleDefinition[];
}

export class MissingBundleError extends Error {
  override name = 'MissingBundleError';
}

function codeFor(id: string, source: CodeSource): Code {
  if (source.kind === 'placeholder') {
    return Code.fromInline('exports.handler = async () => ({ statusCode: 503, body: "placeholder" });');
  }
  const dir = join(source.distDir ?? DIST_DIR, id);
  if (!existsSync(join(dir, BUNDLE_FILE))) {
    throw new MissingBundleError(`No bundle for ${id} at ${join(dir, BUNDLE_FILE)}: run \`npm run build\` first`);
  }
  return Code.fromAsset(dir);
}

// Deployed functions fail at cold start on bad configuration; check the same schema at synth.
// Unresolved tokens (ARNs, names) get stand-ins of the right shape.
const placeholderFor = (name: string) =>
  name.endsWith('_ARN') ? 'arn:aws:synth:placeholder' : name.endsWith('_URL') ? 'https://synth.placeholder/' : 'synth-placeholder';

function assertValidFunctionEnvironment(environment: Record<string, string>): void {
  const resolvable = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, Token.isUnresolved(value) ? placeholderFor(name) : value]),
  );
  loadConfig(resolvable);
}

export class CallsStack extends Stack {
  readonly functions = new Map<string, LambdaFunction>();
  readonly calls: CallsFunction[] = [];
  readonly table: CallsTable;
  readonly httpApi: CallsHttpApi;
  readonly secrets: CallSecrets;
  readonly recordingsKey: Key;
  readonly eventBus: EventBus;
  readonly observability: Observability;
  /** Only where the stage configures webhookUrls. */
  readonly webhooks: WebhookDelivery | undefined;
  readonly live: LiveChannel;
  readonly outbox: OutboxRelay;

  constructor(scope: Construct, id: string, props: CallsStackProps) {
    super(scope, id, props);
    const { stage, context, policy } = props.settings;
    const code = props.code ?? { kind: 'dist' };
    const retain = policy.protectData;

    this.table = new CallsTable(this, 'Table', { protectData: retain });
    this.secrets = new CallSecrets(this, 'Secrets', { retain });
    this.recordingsKey = new Key(this, 'RecordingsKey', {
      description: 'Encrypts recording metadata, bound to the call id by encryption context',
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(retain ? 30 : 7),
    });
    this.eventBus = new EventBus(this, 'CallEvents', { description: 'Call and live-class events' });

    this.httpApi = new CallsHttpApi(this, 'Http', {
      issuer: context.authIssuer,
      audience: context.authAudience,
      allowedOrigins: context.allowedOrigins,
      throttleRateLimit: context.throttleRateLimit,
      throttleBurstLimit: context.throttleBurstLimit,
      logRetentionDays: policy.logRetentionDays,
      retainLogs: retain,
    });

    const environment: Record<string, string> = {
      ...functionEnvironment(props.settings.variables, {
        STAGE: stage,
        TABLE_NAME: this.table.table.tableName,
        JITSI_SECRET_ARN: this.secrets.secrets.jitsi.secretArn,
        TURN_SECRET_ARN: this.secrets.secrets.turn.secretArn,
        JITSI_SYSTEM_KEY_SECRET_ARN: this.secrets.secrets['jitsi-system'].secretArn,
        JITSI_EVENTS_SECRET_ARN: this.secrets.secrets['jitsi-events'].secretArn,
        JAAS_WEBHOOK_SECRET_ARN: this.secrets.secrets['jaas-webhook'].secretArn,
        EVENTS_MODE: 'eventbridge',
        EVENT_BUS_NAME: this.eventBus.eventBusName,
        RECORDINGS_KMS_KEY_ID: this.recordingsKey.keyArn,
      }),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: policy.logLevel,
      POWERTOOLS_LOGGER_LOG_EVENT: String(policy.logEvent),
    };
    assertValidFunctionEnvironment(environment);

    const resources: AccessResources = {
      tableArn: this.table.table.tableArn,
      // The connections index (gsi2) is the live channel's alone.
      indexArns: this.table.indexArns(),
      secretArns: {
        jitsi: this.secrets.secrets.jitsi.secretArn,
        turn: this.secrets.secrets.turn.secretArn,
        'jitsi-system': this.secrets.secrets['jitsi-system'].secretArn,
        'jitsi-events': this.secrets.secrets['jitsi-events'].secretArn,
        'jaas-webhook': this.secrets.secrets['jaas-webhook'].secretArn,
      },
      recordingsKeyArn: this.recordingsKey.keyArn,
    };

    const addFunction = (operationId: string, access: RouteAccess, description: string, timeoutSeconds?: number) => {
      if (this.functions.has(operationId)) throw new Error(`Duplicate operation id ${operationId} across routes and schedules`);
      const construct = new CallsFunction(this, operationId, {
        code: codeFor(operationId, code),
        description: description.slice(0, 256),
        environment,
        enableSourceMaps: context.sourceMaps,
        logRetentionDays: policy.logRetentionDays,
        retainLogs: retain,
        ...(timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(timeoutSeconds) }),
      });
      for (const statement of accessStatements(access, resources)) construct.role.addToPrincipalPolicy(statement);
      this.functions.set(operationId, construct.function);
      this.calls.push(construct);
      return construct.function;
    };

    for (const route of props.routes ?? routes) {
      const fn = addFunction(route.id, route.access, `${route.method} ${route.path}: ${route.summary}`);
      this.httpApi.addRoute(route, fn);
    }
    for (const job of props.schedules ?? defaultSchedules) {
      const fn = addFunction(job.id, job.access, `Scheduled: ${job.summary}`, job.timeoutSeconds);
      const minutes = job.rateMinutes ?? context.probeIntervalSeconds / 60;
      new Rule(this, `${job.id}.schedule`, {
        description: `Runs ${job.id} every ${minutes} min`,
        schedule: Schedule.rate(Duration.minutes(minutes)),
        // A probe that missed its slot is stale by the next one: no retries.
        targets: [new LambdaTarget(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(minutes) })],
      });
    }

    this.observability = new Observability(this, 'Observability', {
      settings: props.settings,
      api: this.httpApi.api,
      functions: this.functions,
      table: this.table.table,
      indexNames: this.table.indexNames,
    });

    this.outbox = new OutboxRelay(this, 'Outbox', {
      table: this.table.table,
      eventBus: this.eventBus,
      code: codeFor(OUTBOX_RELAY_BUNDLE.id, code),
      environment,
      stage,
      alarmTopic: this.observability.topic,
      logRetentionDays: policy.logRetentionDays,
      retain,
    });

    this.webhooks = context.webhookUrls?.length
      ? new WebhookDelivery(this, 'Webhooks', {
          eventBus: this.eventBus,
          code: codeFor(WEBHOOK_DELIVERY_BUNDLE.id, code),
          environment,
          urls: context.webhookUrls,
          stage,
          alarmTopic: this.observability.topic,
          logRetentionDays: policy.logRetentionDays,
          retain,
          validateEnvironment: assertValidFunctionEnvironment,
        })
      : undefined;

    this.live = new LiveChannel(this, 'Live', {
      eventBus: this.eventBus,
      code: (id) => codeFor(id, code),
      environment,
      issuer: context.authIssuer,
      audience: context.authAudience,
      tableArn: this.table.table.tableArn,
      connectionsIndexArn: this.table.indexArns(['gsi2'])[0]!,
      stage,
      throttleRateLimit: context.throttleRateLimit,
      throttleBurstLimit: context.throttleBurstLimit,
      logRetentionDays: policy.logRetentionDays,
      retain,
      validateEnvironment: assertValidFunctionEnvironment,
    });

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the project targets (package engines, esbuild target node22); moving to 24 is a deliberate upgrade, not a drift.',
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url });
    new CfnOutput(this, 'LiveUrl', { value: this.live.url });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'JitsiSecretArn', { value: this.secrets.secrets.jitsi.secretArn });
    new CfnOutput(this, 'TurnSecretArn', { value: this.secrets.secrets.turn.secretArn });
    new CfnOutput(this, 'JitsiSystemKeySecretArn', { value: this.secrets.secrets['jitsi-system'].secretArn });
    new CfnOutput(this, 'JitsiEventsSecretArn', { value: this.secrets.secrets['jitsi-events'].secretArn });
    new CfnOutput(this, 'JaasWebhookSecretArn', { value: this.secrets.secrets['jaas-webhook'].secretArn });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}

export const stackIdFor = (stage: string) => `JitsiCalls-${stage}`;

export interface StageStackOptions {
  /** `-c stage=`, validated here. */
  readonly stage: unknown;
  /** cdk.json `context.stages`. */
  readonly stages: unknown;
  /** `-c callsEnabled=true|false`: the rollback switch without editing cdk.json. */
  readonly callsEnabled?: unknown;
  readonly code?: CodeSource;
  /** Run cdk-nag's AwsSolutions pack on the app (default true): findings fail the synth. */
  readonly nag?: boolean;
}

/** What app.ts and synth-all.ts both do: validate the stage, add its stack and the nag checks. */
export function createStageStack(app: App, options: StageStackOptions): CallsStack {
  const settings = resolveStageSettings(options.stage, options.stages, { callsEnabled: options.callsEnabled });
  const stack = new CallsStack(app, stackIdFor(settings.stage), {
    settings,
    code: options.code,
    description: `Jitsi calls backend (${settings.stage}): HTTP API, functions, table, secrets, alarms`,
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
