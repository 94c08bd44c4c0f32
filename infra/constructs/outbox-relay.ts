import { Duration, Validations } from 'aws-cdk-lib';
import { type Alarm, type Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule, StartingPosition, type Code } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { notifyingAlarm } from './notifying-alarm';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OUTBOX_ITEM_TYPE } from '../../shared/events/outbox';
import { CallsFunction } from './calls-function';

/** The one action this stack grants on "*" (it supports no resource): infra/stack.test.ts allows exactly it. */
export const LIST_STREAMS = 'dynamodb:ListStreams';

// The outbox, deployed: the table's stream -> this function -> the stage's bus. A function rather
// than EventBridge Pipes: the event's own envelope must be the `detail` (the webhook deliverer and
// the ERP dedupe by its id), and a Pipes input transformer cannot turn the DynamoDB-typed image
// (or a JSON string attribute) back into that JSON object; the function also counts what it
// published. The event source filter means only new outbox items invoke it.

export interface OutboxRelayProps {
  readonly table: ITable;
  readonly eventBus: IEventBus;
  readonly code: Code;
  readonly environment: Readonly<Record<string, string>>;
  readonly stage: string;
  readonly alarmTopic: ITopic;
  readonly logRetentionDays: number;
  readonly retain: boolean;
}

/** Retries of a failing batch before its records go to the dead-letter queue (bisected on the way). */
export const RELAY_RETRY_ATTEMPTS = 100;

export class OutboxRelay extends Construct {
  readonly relay: CallsFunction;
  readonly deadLetterQueue: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.relay = new CallsFunction(this, 'events.relay', {
      code: props.code,
      description: 'Puts every new outbox event from the table stream on the stage bus (detail = the event envelope)',
      environment: props.environment,
      timeout: Duration.seconds(30),
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retain,
    });
    // A mapping of our own rather than DynamoEventSource, so the grants below are exactly what the poller needs.
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('the outbox relay needs the table stream');
    this.relay.function.addEventSourceMapping('TableStream', {
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(0),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: RELAY_RETRY_ATTEMPTS,
      // The stream keeps records 24 h: past that they would be lost, so they go to the DLQ first.
      maxRecordAge: Duration.hours(23),
      onFailure: new SqsDlq(this.deadLetterQueue),
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('INSERT'),
          dynamodb: { NewImage: { type: { S: FilterRule.isEqual(OUTBOX_ITEM_TYPE) } } },
        }),
      ],
    });
    this.relay.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'TableStreamRead',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    // ListStreams has no resource-level permissions (IAM's service reference), and Lambda's stream poller needs it.
    this.relay.role.addToPrincipalPolicy(new PolicyStatement({ sid: 'ListStreams', actions: [LIST_STREAMS], resources: ['*'] }));
    Validations.of(this.relay.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams alone, which has no resource-level permissions; every stream read is scoped to the table stream.',
    });
    props.eventBus.grantPutEventsTo(this.relay.function);
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is the stream event source's on-failure destination (a dead-letter queue itself); cdk-nag does not see that link.",
    });

    const alarm = (alarmId: string, metric: Metric, description: string) =>
      this.alarms.push(notifyingAlarm(this, alarmId, { metric, threshold: 1, description, stage: props.stage, topic: props.alarmTopic }));
    const period = Duration.minutes(5);
    alarm(
      'DeadLetterQueueDepthAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }),
      'Outbox events could not be put on the bus for hours and were dead-lettered (stream coordinates in the queue): nobody was told of those changes.',
    );
    alarm(
      'RelayErrorsAlarm',
      this.relay.function.metricErrors({ statistic: 'Sum', period }),
      'The outbox relay fails: events wait in the stream (retried for up to 23 h).',
    );
  }
}
