import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetricName, METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/metric-names';
import { EVENT_TYPES } from '../../shared/webhooks/envelope';
import { REPO_ROOT } from '../build';
import { createStageStack, type CallsStack } from '../stack';
import { STAGES, type Stage } from './stage-config';
import { DELIVERY_FUNCTION_TIMEOUT, MAX_RECEIVE_COUNT } from './webhook-delivery';

const cdkContext = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as {
  stages: Record<Stage, Record<string, unknown>>;
};
const URLS = ['https://erp.example/hooks/calls', 'https://crm.example/in'];
const withWebhooks = (stage: Stage, urls: unknown = URLS) => ({
  ...cdkContext.stages,
  [stage]: { ...cdkContext.stages[stage], webhookUrls: urls },
});

function synth(stage: Stage, nag = false) {
  const app = new App({ context: cdkContext });
  const stack = createStageStack(app, { stage, stages: withWebhooks(stage), code: { kind: 'placeholder' }, nag });
  return { app, stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: CallsStack, element: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(element.node.defaultChild as CfnElement);

let prod: ReturnType<typeof synth>;
beforeAll(() => {
  prod = synth('prod');
}, 120_000);

describe('webhook delivery path', () => {
  it('is absent where the stage configures no webhookUrls', () => {
    const app = new App({ context: cdkContext });
    const stack = createStageStack(app, { stage: 'dev', stages: cdkContext.stages, code: { kind: 'placeholder' }, nag: false });
    expect(stack.webhooks).toBeUndefined();
    // The one queue left is the outbox relay's dead-letter queue, present in every stage.
    const queues = Template.fromStack(stack).findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toEqual([logicalId(stack, stack.outbox.deadLetterQueue)]);
  });

  it('rejects a plain-http receiver in the stage context', () => {
    const app = new App({ context: cdkContext });
    expect(() =>
      createStageStack(app, {
        stage: 'dev',
        stages: withWebhooks('dev', ['http://erp.example/h']),
        code: { kind: 'placeholder' },
        nag: false,
      }),
    ).toThrow(/stages\.dev\.webhookUrls entry 1 must be https/);
    expect(() =>
      createStageStack(new App({ context: cdkContext }), {
        stage: 'dev',
        stages: withWebhooks('dev', ['https://erp.example/h', 'http://127.0.0.1/h']),
        code: { kind: 'placeholder' },
        nag: false,
      }),
    ).toThrow(/stages\.dev\.webhookUrls entry 2 must be https in a deployed stage/);
  });

  it('routes every contract event type from the stage bus to the delivery queue, with the DLQ for failed puts', () => {
    const { stack, template } = prod;
    const webhooks = stack.webhooks!;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(stack, stack.eventBus) },
      EventPattern: { source: ['jitsi-calls'], 'detail-type': [...EVENT_TYPES] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, webhooks.queue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, webhooks.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it('encrypts both queues, keeps dead letters 14 days and redrives poison messages after a few receives', () => {
    const { stack, template } = prod;
    const webhooks = stack.webhooks!;
    // The webhook queue and its dead-letter queue, plus the outbox relay's dead-letter queue.
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: DELIVERY_FUNCTION_TIMEOUT.toSeconds() * 6,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, webhooks.deadLetterQueue), 'Arn'] },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('runs one Node.js 22 arm64 function from the queue, with partial batch failures and its WEBHOOK_* settings', () => {
    const { stack, template } = prod;
    const webhooks = stack.webhooks!;
    const fnId = logicalId(stack, webhooks.delivery.function);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, webhooks.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const fn = template.toJSON().Resources[fnId].Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 60 });
    expect(fn.Environment.Variables).toMatchObject({
      STAGE: 'prod',
      WEBHOOK_URLS: URLS.join(','),
      WEBHOOK_SECRET_ARN: { Ref: logicalId(stack, webhooks.secret) },
      WEBHOOK_QUEUE_URL: { Ref: logicalId(stack, webhooks.queue) },
      WEBHOOK_DEAD_LETTER_QUEUE_URL: { Ref: logicalId(stack, webhooks.deadLetterQueue) },
    });
    expect(fn.Environment.Variables.WEBHOOK_SECRET).toBeUndefined();
  });

  it('grants the function only its queues and its secret: no table, no KMS, no wildcard', () => {
    const { stack, template } = prod;
    const webhooks = stack.webhooks!;
    const roleId = logicalId(stack, webhooks.delivery.role);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).toContain('sqs:ReceiveMessage');
    expect(actions).toContain('sqs:DeleteMessage');
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions.filter((action) => action.startsWith('dynamodb:') || action.startsWith('kms:'))).toEqual([]);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    }
    const secretRead = statements.find((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secretRead!.Resource).toEqual({ Ref: logicalId(stack, webhooks.secret) });
  });

  it('alarms on dead-lettered webhooks (the EMF metric with its exact dimensions), on the DLQ depth and on function errors', () => {
    const { stack, template } = prod;
    const webhooks = stack.webhooks!;
    const topic = { Ref: logicalId(stack, stack.observability.topic) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: MetricName.WebhookDeadLettered,
      Dimensions: Match.arrayEquals([
        { Name: 'service', Value: SERVICE_NAME },
        { Name: 'stage', Value: 'prod' },
      ]),
      Threshold: 1,
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, webhooks.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, webhooks.delivery.function) } }],
    });
  });

  it('generates the signing secret in Secrets Manager, never in the template', () => {
    prod.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('Webhook signing secret'),
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'secret' }),
      SecretString: Match.absent(),
    });
  });

  it.each(STAGES)(
    '%s: is cdk-nag clean',
    (stage) => {
      const { app } = synth(stage, true);
      expect(() => app.synth()).not.toThrow();
    },
    60_000,
  );
});
