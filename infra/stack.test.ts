import { readFileSync } from 'node:fs';
import { LIST_STREAMS } from './constructs/outbox-relay';
import { tableDefinition } from '../shared/db/table-definition';
import { join } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COMPONENT_DIMENSION,
  DEFAULT_DIMENSION_NAMES,
  METRICS_NAMESPACE,
  MetricName,
  PROBE_HEALTHY_DIMENSION_NAMES,
  SERVICE_NAME,
} from '../shared/observability/metric-names';
import { DEFAULT_PROBE_BUDGET_MS, type ProbeComponent } from '../shared/probes/types';
import { LIVE_BUNDLES, REPO_ROOT } from './build';
import { KMS_ACTIONS, SECRET_READ_ACTIONS, TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS } from './constructs/access-policy';
import { emfAlarms, probeAlarms } from './constructs/alarm-definitions';
import { resolveStageSettings, STAGES, type Stage } from './constructs/stage-config';
import { routes, type RouteAccess, type RouteDefinition } from './routes';
import { schedules, type ScheduleDefinition } from './schedules';
import { CallsStack, createStageStack, MissingBundleError, type StageStackOptions } from './stack';

// The whole cdk.json context, feature flags included, so the tests see the template that deploys.
const cdkContext = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as {
  stages: Record<Stage, Record<string, unknown>>;
};
const newApp = () => new App({ context: cdkContext });

interface Synthesized {
  stack: CallsStack;
  template: Template;
}

function synth(stage: unknown, overrides: Partial<StageStackOptions> = {}): Synthesized {
  const app = newApp();
  const stack = createStageStack(app, { stage, stages: cdkContext.stages, code: { kind: 'placeholder' }, nag: false, ...overrides });
  return { stack, template: Template.fromStack(stack) };
}

function synthWith(stageRoutes: readonly RouteDefinition[], stageSchedules: readonly ScheduleDefinition[] = []): Synthesized {
  const stack = new CallsStack(newApp(), 'Custom', {
    settings: resolveStageSettings('dev', cdkContext.stages),
    code: { kind: 'placeholder' },
    routes: stageRoutes,
    schedules: stageSchedules,
  });
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, element: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(element.node.defaultChild as CfnElement);

type Statement = { Action: string | string[]; Resource: unknown; Sid?: string };

/** The statements of the policy attached to a function's role, log writing left out. */
function grantsOf({ stack, template }: Synthesized, operationId: string): Statement[] {
  const construct = stack.calls[[...stack.functions.keys()].indexOf(operationId)];
  if (!construct) throw new Error(`no function for ${operationId}`);
  const roleId = logicalId(stack, construct.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
  return policies
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => statement.Sid !== undefined);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat()).sort();

function expectedActions(access: RouteAccess): string[] {
  return [
    ...(access.table ? TABLE_READ_ACTIONS : []),
    ...(access.table === 'readwrite' ? TABLE_WRITE_ACTIONS : []),
    ...(access.secrets?.length ? SECRET_READ_ACTIONS : []),
    ...(access.kms ? KMS_ACTIONS[access.kms] : []),
  ].sort();
}

const stacks = {} as Record<Stage, Synthesized>;
beforeAll(() => {
  for (const stage of STAGES) stacks[stage] = synth(stage);
}, 120_000);

describe('stage selection', () => {
  it('rejects a missing or unknown -c stage= with the allowed values', () => {
    expect(() => synth(undefined)).toThrow(/stage= must be one of dev, staging, prod \(got nothing\)/);
    expect(() => synth('qa')).toThrow(/stage= must be one of dev, staging, prod \(got "qa"\)/);
  });

  it('names each invalid context key instead of synthesizing a broken stage', () => {
    const stages = { ...cdkContext.stages, dev: { ...cdkContext.stages.dev, jitsiDomain: 'https://meet.example', authAudience: [] } };
    expect(() => synth('dev', { stages })).toThrow(/stages\.dev\.jitsiDomain must be a host name.*stages\.dev\.authAudience/);
  });

  it('fails the synth on a value the functions would reject at cold start (RS256 without a key id)', () => {
    const stages = { ...cdkContext.stages, dev: { ...cdkContext.stages.dev, jitsiJwtAlg: 'RS256' } };
    expect(() => synth('dev', { stages })).toThrow(/JITSI_JWT_KID is required when JITSI_JWT_ALG=RS256/);
    const withKid = { ...stages, dev: { ...stages.dev, jitsiJwtKid: 'key-1' } };
    expect(() => synth('dev', { stages: withKid })).not.toThrow();
  });

  it('refuses to synthesize from dist/ when a bundle is missing, pointing at npm run build', () => {
    expect(() => synth('dev', { code: { kind: 'dist', distDir: '/nonexistent-dist' } })).toThrow(MissingBundleError);
    expect(() => synth('dev', { code: { kind: 'dist', distDir: '/nonexistent-dist' } })).toThrow(/npm run build/);
  });
});

describe('functions and routes from the route table', () => {
  it('creates one Node.js 22 arm64 function per route and scheduled job', () => {
    const { stack, template } = stacks.dev;
    // Plus the live channel's functions and the outbox relay, which live in their own constructs.
    template.resourceCountIs('AWS::Lambda::Function', routes.length + schedules.length + LIVE_BUNDLES.length + 1);
    expect([...stack.functions.keys()].sort()).toEqual([...routes, ...schedules].map((entry) => entry.id).sort());
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it.each(routes.map((route) => [route.id, route] as const))('%s: has its route, integration and authorization', (id, route) => {
    const { stack, template } = stacks.dev;
    const fn = stack.functions.get(id)!;
    const [routeResource] = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: `${route.method} ${route.path}` } }),
    );
    expect(routeResource, `${route.method} ${route.path}`).toBeDefined();
    expect(routeResource!.Properties.AuthorizationType).toBe(route.auth === 'public' ? 'NONE' : 'JWT');
    if (route.auth === 'user') expect(routeResource!.Properties.AuthorizerId).toBeDefined();

    const integrationId = (routeResource!.Properties.Target['Fn::Join'][1][1] as { Ref: string }).Ref;
    const integration = template.toJSON().Resources[integrationId];
    expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] });
  });

  it('has no route that is not in the route table', () => {
    const { stack, template } = stacks.dev;
    const httpApi = { Ref: logicalId(stack, stack.httpApi.api) };
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: httpApi } }))).toHaveLength(routes.length);
    // The rest are the live channel's WebSocket routes.
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length + 3);
  });

  it('checks bearer tokens against the stage issuer and audience', () => {
    for (const stage of STAGES) {
      stacks[stage].template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: cdkContext.stages[stage].authIssuer, Audience: cdkContext.stages[stage].authAudience },
      });
    }
  });

  it('allows the configured origins, throttles the stage and writes access logs', () => {
    for (const stage of STAGES) {
      const context = cdkContext.stages[stage];
      stacks[stage].template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: Match.objectLike({ AllowOrigins: context.allowedOrigins, AllowHeaders: ['authorization', 'content-type'] }),
      });
      stacks[stage].template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: { ThrottlingRateLimit: context.throttleRateLimit, ThrottlingBurstLimit: context.throttleBurstLimit },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
      });
    }
  });

  it('never logs the Authorization header in access logs', () => {
    const [stageResource] = Object.values(stacks.prod.template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stageResource!.Properties.AccessLogSettings.Format).not.toMatch(/authorization/i);
  });
});

describe('least privilege from each route access', () => {
  it.each([...routes, ...schedules].map((entry) => [entry.id, entry.access] as const))(
    '%s: gets exactly the actions its access declares',
    (id, access) => {
      expect(actionsOf(grantsOf(stacks.dev, id))).toEqual(expectedActions(access));
    },
  );

  it('reads with GetItem, BatchGetItem and Query only (no Scan) and writes item by item', () => {
    expect(actionsOf(grantsOf(stacks.dev, 'calls.log'))).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(actionsOf(grantsOf(stacks.dev, 'threads.create'))).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(grantsOf(stacks.dev, 'calls.config')).toEqual([]);
  });

  it('scopes reads to the table and its index, writes to the table, secrets to the named ones', () => {
    const synthesized = stacks.dev;
    const { stack } = synthesized;
    const tableId = logicalId(stack, stack.table.table);
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const indexArns = tableDefinition.globalSecondaryIndexes.map((index) => ({
      'Fn::Join': ['', [tableArn, `/index/${index.indexName}`]],
    }));
    const jitsiRef = { Ref: logicalId(stack, stack.secrets.secrets.jitsi) };
    const turnRef = { Ref: logicalId(stack, stack.secrets.secrets.turn) };

    const start = grantsOf(synthesized, 'calls.start');
    expect(start.find((statement) => statement.Sid === 'TableRead')!.Resource).toEqual([tableArn, ...indexArns]);
    expect(start.find((statement) => statement.Sid === 'TableWrite')!.Resource).toEqual(tableArn);
    expect(start.find((statement) => statement.Sid === 'SecretsRead')!.Resource).toEqual([jitsiRef, turnRef]);
    // Events go through the outbox (the same transaction as the start): only the relay puts on the bus.
    expect(start.find((statement) => statement.Sid === 'EventsPut')).toBeUndefined();

    expect(grantsOf(synthesized, 'calls.token').find((statement) => statement.Sid === 'SecretsRead')!.Resource).toEqual(jitsiRef);
  });

  it('lets exactly the end, removal and keys functions read the system key, exactly the event_sync routes the events secret, and the JaaS route its secret', () => {
    const synthesized = stacks.dev;
    const { stack } = synthesized;
    const readersOf = (secret: 'jitsi-system' | 'jitsi-events' | 'jaas-webhook') => {
      const ref = { Ref: logicalId(stack, stack.secrets.secrets[secret]) };
      return [...stack.functions.keys()]
        .filter((id) =>
          grantsOf(synthesized, id).some(
            (statement) =>
              statement.Sid === 'SecretsRead' &&
              [statement.Resource].flat().some((resource) => JSON.stringify(resource) === JSON.stringify(ref)),
          ),
        )
        .sort();
    };
    expect(readersOf('jitsi-system')).toEqual(
      ['calls.end', 'calls.sweep', 'courses.delete-enrollment', 'jitsi.keys', 'live-classes.end', 'threads.delete-member'].sort(),
    );
    expect(readersOf('jitsi-events')).toEqual(
      ['jitsi.occupant-joined', 'jitsi.occupant-left', 'jitsi.room-created', 'jitsi.room-destroyed'].sort(),
    );
    for (const id of readersOf('jitsi-events')) {
      const read = grantsOf(synthesized, id).find((statement) => statement.Sid === 'SecretsRead')!;
      expect(read.Resource).toEqual({ Ref: logicalId(stack, stack.secrets.secrets['jitsi-events']) });
    }
    // The JaaS webhook route reads its signing secret and nothing else; nothing else reads it.
    expect(readersOf('jaas-webhook')).toEqual(['jitsi.jaas-webhook']);
    const jaasRead = grantsOf(synthesized, 'jitsi.jaas-webhook').find((statement) => statement.Sid === 'SecretsRead')!;
    expect(jaasRead.Resource).toEqual({ Ref: logicalId(stack, stack.secrets.secrets['jaas-webhook']) });
  });

  it('gives every function the system key, events secret and JaaS webhook secret ARNs, never a value', () => {
    const { stack, template } = stacks.dev;
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    const apiFunctions = functions.filter((fn) => fn.Properties.Environment?.Variables?.TABLE_NAME !== undefined);
    for (const fn of apiFunctions) {
      expect(fn.Properties.Environment.Variables.JITSI_SYSTEM_KEY_SECRET_ARN).toEqual({
        Ref: logicalId(stack, stack.secrets.secrets['jitsi-system']),
      });
      expect(fn.Properties.Environment.Variables.JITSI_EVENTS_SECRET_ARN).toEqual({
        Ref: logicalId(stack, stack.secrets.secrets['jitsi-events']),
      });
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('JITSI_EVENTS_SECRET');
      expect(fn.Properties.Environment.Variables.JAAS_WEBHOOK_SECRET_ARN).toEqual({
        Ref: logicalId(stack, stack.secrets.secrets['jaas-webhook']),
      });
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('JAAS_WEBHOOK_SECRET');
    }
  });

  it('grants KMS encrypt and decrypt on the recordings key only where declared', () => {
    const recordingRoutes: RouteDefinition[] = [
      {
        id: 'recordings.create',
        method: 'POST',
        path: '/r',
        entry: 'x.ts',
        auth: 'user',
        access: { table: 'readwrite', kms: 'encrypt' },
        summary: 's',
      },
      {
        id: 'recordings.list',
        method: 'GET',
        path: '/r',
        entry: 'x.ts',
        auth: 'user',
        access: { table: 'read', kms: 'decrypt' },
        summary: 's',
      },
      { id: 'recordings.both', method: 'PUT', path: '/r', entry: 'x.ts', auth: 'user', access: { kms: 'encrypt-decrypt' }, summary: 's' },
      { id: 'plain.get', method: 'GET', path: '/p', entry: 'x.ts', auth: 'public', access: {}, summary: 's' },
    ];
    const synthesized = synthWith(recordingRoutes);
    const keyArn = { 'Fn::GetAtt': [logicalId(synthesized.stack, synthesized.stack.recordingsKey), 'Arn'] };
    for (const route of recordingRoutes) {
      const grants = grantsOf(synthesized, route.id);
      expect(actionsOf(grants)).toEqual(expectedActions(route.access));
      const kms = grants.find((statement) => statement.Sid === 'RecordingsKey');
      if (route.access.kms) {
        expect(kms!.Resource).toEqual(keyArn);
        expect((kms as { Condition?: unknown }).Condition).toEqual({
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['call_id', 'thread_id'] },
          Null: { 'kms:EncryptionContextKeys': 'false' },
        });
      } else expect(kms).toBeUndefined();
    }
  });

  it('uses no wildcard action in any IAM policy', () => {
    for (const stage of STAGES) {
      for (const policy of Object.values(stacks[stage].template.findResources('AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
          for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
          // dynamodb:ListStreams supports no resource-level permission: alone in its statement, it is the one exception.
          if (statement.Action === LIST_STREAMS) continue;
          expect(statement.Resource).not.toBe('*');
        }
      }
    }
  });

  it('passes resource names, the rollback flag and the deployed-stage config to every function', () => {
    for (const stage of STAGES) {
      stacks[stage].template.allResourcesProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            STAGE: stage,
            CALLS_ENABLED: String(cdkContext.stages[stage].callsEnabled),
            EVENTS_MODE: 'eventbridge',
            TABLE_NAME: Match.anyValue(),
            EVENT_BUS_NAME: Match.anyValue(),
            JITSI_SECRET_ARN: Match.anyValue(),
            TURN_SECRET_ARN: Match.anyValue(),
            RECORDINGS_KMS_KEY_ID: Match.anyValue(),
            JITSI_DOMAIN: cdkContext.stages[stage].jitsiDomain,
            POWERTOOLS_LOGGER_LOG_EVENT: stage === 'prod' ? 'false' : Match.anyValue(),
          }),
        },
      });
    }
  });

  // Design change (issue 10): functions read the claims API Gateway's JWT authorizer verified, so
  // the bearer-verification settings (AUTH_MODE=authorizer and the rest) left every environment.
  it('gives no function a bearer-verification setting', () => {
    for (const stage of STAGES) {
      const functions = Object.values(stacks[stage].template.findResources('AWS::Lambda::Function'));
      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions) {
        const names = Object.keys(fn.Properties.Environment?.Variables ?? {});
        expect(names).toContain('TABLE_NAME');
        expect(names.filter((name) => name.startsWith('AUTH_'))).toEqual([]);
      }
    }
  });

  it('turns calls off with -c callsEnabled=false on the command line, and rejects anything but true or false', () => {
    synth('prod', { callsEnabled: 'false' }).template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CALLS_ENABLED: 'false' }) },
    });
    expect(() => synth('prod', { callsEnabled: 'off' })).toThrow(/-c callsEnabled= must be true or false/);
  });

  it('turns calls off with callsEnabled: false in the stage context', () => {
    const stages = { ...cdkContext.stages, staging: { ...cdkContext.stages.staging, callsEnabled: false } };
    synth('staging', { stages }).template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CALLS_ENABLED: 'false' }) },
    });
  });
});

describe('scheduled jobs', () => {
  it('creates a function and a schedule rule per job, with its declared access', () => {
    const job: ScheduleDefinition = {
      id: 'health.probe-test',
      entry: 'x.ts',
      access: { table: 'readwrite', secrets: ['turn'] },
      summary: 'probe',
    };
    const synthesized = synthWith([], [job, { ...job, id: 'health.hourly', rateMinutes: 60, access: {} }]);
    const { stack, template } = synthesized;
    // Two schedules and the live channel's rule on the bus.
    template.resourceCountIs('AWS::Events::Rule', 3);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.functions.get(job.id)!), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    expect(actionsOf(grantsOf(synthesized, job.id))).toEqual(expectedActions(job.access));
    expect(grantsOf(synthesized, 'health.hourly')).toEqual([]);
  });
});

describe('the probes', () => {
  it('schedules both probes, each with a timeout above the probe budget', () => {
    const { stack, template } = stacks.dev;
    const probes = schedules.filter((job) => job.id.startsWith('probes.'));
    expect(probes.map((job) => job.id).sort()).toEqual(['probes.coturn', 'probes.jitsi']);
    for (const job of probes) {
      const fnId = logicalId(stack, stack.functions.get(job.id)!);
      const timeout = template.toJSON().Resources[fnId].Properties.Timeout as number;
      expect(timeout * 1000, job.id).toBeGreaterThanOrEqual(DEFAULT_PROBE_BUDGET_MS * 2);
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
    }
  });

  it('serves the health routes without authorization and with table reads only', () => {
    for (const id of ['health.jitsi', 'health.coturn']) {
      expect(actionsOf(grantsOf(stacks.dev, id))).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    }
  });
});

describe('stateful resources per stage', () => {
  it.each(STAGES)('%s: the table is on-demand with PITR and TTL, protected in prod only', (stage) => {
    const protectedStage = stage === 'prod';
    stacks[stage].template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        DeletionProtectionEnabled: protectedStage,
        GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) =>
          Match.objectLike({ IndexName: index.indexName, Projection: { ProjectionType: 'ALL' } }),
        ),
      }),
      DeletionPolicy: protectedStage ? 'Retain' : 'Delete',
      UpdateReplacePolicy: protectedStage ? 'Retain' : 'Delete',
    });
  });

  it('sets no physical name on the table, functions, secrets, keys or topic', () => {
    const resources = stacks.dev.template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    const namedProperty: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::CloudWatch::Alarm': 'AlarmName',
      'AWS::CloudWatch::Dashboard': 'DashboardName',
    };
    for (const resource of Object.values(resources)) {
      const property = namedProperty[resource.Type];
      if (property) expect(resource.Properties?.[property], resource.Type).toBeUndefined();
    }
  });

  it('generates the secret placeholders in Secrets Manager, never in the template', () => {
    stacks.prod.template.resourceCountIs('AWS::SecretsManager::Secret', 5);
    stacks.prod.template.allResourcesProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: Match.anyValue() }),
      SecretString: Match.absent(),
    });
  });

  it('rotates the recordings key', () => {
    const { stack, template } = stacks.prod;
    expect(template.toJSON().Resources[logicalId(stack, stack.recordingsKey)].Properties.EnableKeyRotation).toBe(true);
  });
});

describe('alarms watch the metrics the code emits', () => {
  it('defines alarms for JoinFailed, FailedToStartCall, EventPublishFailed, RecordingMetadataRejected, PresenceEventRejected and JitsiEndMeetingFailed', () => {
    expect(emfAlarms.map((definition) => definition.metricName).sort()).toEqual(
      [
        MetricName.EventPublishFailed,
        MetricName.FailedToStartCall,
        MetricName.JoinFailed,
        MetricName.RecordingMetadataRejected,
        MetricName.PresenceEventRejected,
        MetricName.JitsiEndMeetingFailed,
      ].sort(),
    );
  });

  it('alarms on a burst of rejected presence events (20 in 5 minutes) and on any failed end-meeting', () => {
    const alarms = Object.values(
      stacks.prod.template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: METRICS_NAMESPACE } }),
    );
    const byMetric = (name: string) => alarms.find((alarm) => alarm.Properties.MetricName === name)!.Properties;
    expect(byMetric(MetricName.PresenceEventRejected)).toMatchObject({ Threshold: 20, Period: 300, Statistic: 'Sum' });
    expect(byMetric(MetricName.JitsiEndMeetingFailed)).toMatchObject({ Threshold: 1, Period: 300, Statistic: 'Sum' });
  });

  it.each(STAGES)('%s: each EMF alarm uses the emitted namespace, metric name and exact dimension set', (stage) => {
    const alarms = Object.values(
      stacks[stage].template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: METRICS_NAMESPACE } }),
    );
    expect(alarms).toHaveLength(emfAlarms.length + probeAlarms.length);
    for (const definition of emfAlarms) {
      expect(definition.namespace).toBe(METRICS_NAMESPACE);
      expect(Object.values(MetricName)).toContain(definition.metricName);
      expect([...definition.dimensionNames]).toEqual([...DEFAULT_DIMENSION_NAMES]);
      const alarm = alarms.find((candidate) => candidate.Properties.MetricName === definition.metricName);
      expect(alarm, definition.metricName).toBeDefined();
      const dimensions = alarm!.Properties.Dimensions as { Name: string; Value: string }[];
      expect(dimensions.map((dimension) => dimension.Name).sort()).toEqual([...DEFAULT_DIMENSION_NAMES].sort());
      expect(Object.fromEntries(dimensions.map((dimension) => [dimension.Name, dimension.Value]))).toEqual({
        service: SERVICE_NAME,
        stage,
      });
      expect(alarm!.Properties.Statistic).toBe('Sum');
      expect(alarm!.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('defines one probe alarm per probed component', () => {
    expect(probeAlarms.map((definition) => definition.component).sort()).toEqual<ProbeComponent[]>(['coturn', 'jitsi']);
  });

  it.each(STAGES)('%s: each probe alarm watches ProbeHealthy with its emitted dimensions, breaching when the probe is silent', (stage) => {
    const alarms = Object.values(
      stacks[stage].template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { Namespace: METRICS_NAMESPACE, MetricName: MetricName.ProbeHealthy },
      }),
    );
    expect(alarms).toHaveLength(probeAlarms.length);
    for (const definition of probeAlarms) {
      expect(definition.namespace).toBe(METRICS_NAMESPACE);
      expect(definition.metricName).toBe(MetricName.ProbeHealthy);
      expect([...definition.dimensionNames]).toEqual([...PROBE_HEALTHY_DIMENSION_NAMES]);
      const alarm = alarms.find((candidate) =>
        (candidate.Properties.Dimensions as { Name: string; Value: string }[]).some(
          (dimension) => dimension.Name === COMPONENT_DIMENSION && dimension.Value === definition.component,
        ),
      );
      expect(alarm, definition.component).toBeDefined();
      const dimensions = alarm!.Properties.Dimensions as { Name: string; Value: string }[];
      expect(dimensions.map((dimension) => dimension.Name).sort()).toEqual([...PROBE_HEALTHY_DIMENSION_NAMES].sort());
      expect(Object.fromEntries(dimensions.map((dimension) => [dimension.Name, dimension.Value]))).toEqual({
        service: SERVICE_NAME,
        stage,
        [COMPONENT_DIMENSION]: definition.component,
      });
      expect(alarm!.Properties).toMatchObject({
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        EvaluationPeriods: definition.evaluationPeriods,
        Period: cdkContext.stages[stage].probeIntervalSeconds,
      });
      expect(alarm!.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it("alarms on API 5xx rate, each function's errors and throttles, and DynamoDB throttles", () => {
    const { stack, template } = stacks.prod;
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const metricsIn = (alarm: (typeof alarms)[number]) =>
      ((alarm.Properties.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[]).flatMap((query) =>
        query.MetricStat ? [`${query.MetricStat.Metric.Namespace}/${query.MetricStat.Metric.MetricName}`] : [],
      );
    expect(alarms.some((alarm) => metricsIn(alarm).includes('AWS/ApiGateway/5xx'))).toBe(true);
    expect(alarms.some((alarm) => metricsIn(alarm).includes('AWS/DynamoDB/WriteThrottleEvents'))).toBe(true);
    for (const fn of stack.functions.values()) {
      const fnId = logicalId(stack, fn);
      for (const metricName of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
        });
      }
    }
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: logicalId(stack, stack.observability.topic) }] });
  });

  it('subscribes the alarm e-mail where the stage sets one, over an encrypted TLS-only topic', () => {
    stacks.prod.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: cdkContext.stages.prod.alarmEmail,
    });
    stacks.dev.template.resourceCountIs('AWS::SNS::Subscription', 0);
    stacks.prod.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('has a dashboard with starts, joins, failures by reason and latency percentiles', () => {
    const body = JSON.stringify(stacks.prod.template.findResources('AWS::CloudWatch::Dashboard'));
    for (const needle of [
      MetricName.CallStarted,
      MetricName.CallJoined,
      MetricName.JoinFailedByReason,
      MetricName.FailedToStartCallByReason,
      'p50',
      'p99',
    ]) {
      expect(body).toContain(needle);
    }
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the prod stack', () => {
    const app = newApp();
    createStageStack(app, { stage: 'prod', stages: cdkContext.stages, code: { kind: 'placeholder' } });
    expect(() => app.synth()).not.toThrow();
  }, 60_000);
});
