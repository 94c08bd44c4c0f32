import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { notifyingAlarm } from './notifying-alarm';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../../shared/observability/metric-names';
import { EVENT_TYPES } from '../../shared/webhooks/envelope';
import { EVENT_SOURCE } from '../../shared/events/outbox';
import { CallsFunction } from './calls-function';

// Signed webhooks, deployed: rule on the stage's bus -> SQS queue -> delivery function. Lambda's
// own async retries stop at 6 h, so the function re-enqueues a failed (event, url) itself with
// a growing delay (SQS allows 15 min per hop; longer waits take several hops) and after 24 h
// sends it to the dead-letter queue, which is alarmed and which `npm run webhooks -- replay` drains.

export interface WebhookDeliveryProps {
  readonly eventBus: IEventBus;
  readonly code: Code;
  /** The stack's function environment; the construct adds the WEBHOOK_* variables. */
  readonly environment: Readonly<Record<string, string>>;
  readonly urls: readonly string[];
  readonly stage: string;
  readonly alarmTopic: ITopic;
  readonly logRetentionDays: number;
  readonly retain: boolean;
  /** The stack's cold-start config check, run at synth on the final environment. */
  readonly validateEnvironment?: (environment: Record<string, string>) => void;
}

/** Each hop and the delivery attempts of one batch (10 s each, in parallel per message) fit in it. */
export const DELIVERY_FUNCTION_TIMEOUT = Duration.seconds(60);
/** Messages the function may fail on (bookkeeping errors, bad JSON) before they go to the DLQ. */
export const MAX_RECEIVE_COUNT = 5;

export class WebhookDelivery extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly secret: Secret;
  readonly rule: Rule;
  readonly delivery: CallsFunction;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.secret = new Secret(this, 'SigningSecret', {
      description: 'Webhook signing secret (X-Calls-Signature HMAC key): {"secret":"..."}, shared with the receivers',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'secret', passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Every receiver holds the same secret: rotation is coordinated with them by hand (docs/webhooks.md), not by a rotation Lambda.',
    });

    // SQS-managed encryption: EventBridge can send to it without a key policy, and nothing in a message is a credential.
    const queueDefaults = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { ...queueDefaults, retentionPeriod: Duration.days(14), removalPolicy });
    this.queue = new Queue(this, 'Queue', {
      ...queueDefaults,
      // Six times the function timeout, as AWS recommends for SQS event sources.
      visibilityTimeout: Duration.seconds(DELIVERY_FUNCTION_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      removalPolicy,
    });

    this.rule = new Rule(this, 'Rule', {
      description: 'Every contract event to the webhook delivery queue',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...EVENT_TYPES] },
      targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, maxEventAge: Duration.hours(24), retryAttempts: 185 })],
    });

    const environment = {
      ...props.environment,
      WEBHOOK_URLS: props.urls.join(','),
      WEBHOOK_SECRET_ARN: this.secret.secretArn,
      WEBHOOK_QUEUE_URL: this.queue.queueUrl,
      WEBHOOK_DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
    };
    props.validateEnvironment?.(environment);
    this.delivery = new CallsFunction(this, 'webhooks.deliver', {
      code: props.code,
      description: 'Delivers every event to each WEBHOOK_URLS receiver, signed, with retries for 24 h, then the dead-letter queue',
      environment,
      timeout: DELIVERY_FUNCTION_TIMEOUT,
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retain,
    });
    this.delivery.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    this.delivery.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WebhookQueuesSend',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn, this.deadLetterQueue.queueArn],
      }),
    );
    this.delivery.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'WebhookSecretRead', actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
    );

    // What `npm run webhooks -- replay` and the receivers' operators need.
    const stack = Stack.of(this);
    new CfnOutput(stack, 'WebhookQueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(stack, 'WebhookDeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(stack, 'WebhookSecretArn', { value: this.secret.secretArn });

    const alarm = (alarmId: string, metric: Metric, description: string) =>
      this.alarms.push(notifyingAlarm(this, alarmId, { metric, threshold: 1, description, stage: props.stage, topic: props.alarmTopic }));
    const period = Duration.minutes(5);
    alarm(
      'DeadLetteredAlarm',
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: MetricName.WebhookDeadLettered,
        // Exactly the dimensions the EMF helper emits (service, stage).
        dimensionsMap: { service: SERVICE_NAME, stage: props.stage },
        statistic: 'Sum',
        period,
      }),
      'A webhook failed for 24 h and was dead-lettered: a receiver is missing events (npm run webhooks -- list, docs/webhooks.md).',
    );
    alarm(
      'DeadLetterQueueDepthAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }),
      'Webhook dead-letter queue holds messages: replay them once the receiver is fixed (npm run webhooks -- replay).',
    );
    alarm(
      'DeliveryErrorsAlarm',
      this.delivery.function.metricErrors({ statistic: 'Sum', period }),
      'The webhook delivery function fails (bad configuration, an unreadable secret, SQS errors).',
    );
  }
}
