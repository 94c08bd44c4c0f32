import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../../shared/observability/metric-names';
import { COUNT_ALARM, notifyingAlarm, type AlarmShape } from './notifying-alarm';
import { emfAlarms, emfDimensionsMap, jvbAlarms, probeAlarms, probeDimensionsMap } from './alarm-definitions';
import type { StageSettings } from './stage-config';

export interface ObservabilityProps {
  readonly settings: StageSettings;
  readonly api: HttpApi;
  /** Every function of the stack, by operation id. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly table: ITable;
  readonly indexNames: readonly string[];
}

const PERIOD = Duration.minutes(5);

export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { stage, context, policy } = props.settings;

    // SNS encryption with a customer key: CloudWatch can publish to it only if the key lets it.
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the alarm notification topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', { masterKey: topicKey, enforceSSL: true });
    if (context.alarmEmail) this.topic.addSubscription(new EmailSubscription(context.alarmEmail));
    const addAlarm = (alarmId: string, metric: IMetric, threshold: number, description: string, shape: AlarmShape = COUNT_ALARM) => {
      const alarm = notifyingAlarm(this, alarmId, { metric, threshold, description, stage, topic: this.topic, shape });
      this.alarms.push(alarm);
      return alarm;
    };

    for (const definition of emfAlarms) {
      const metric = new Metric({
        namespace: definition.namespace,
        metricName: definition.metricName,
        dimensionsMap: emfDimensionsMap(definition, stage),
        statistic: definition.statistic,
        period: Duration.minutes(definition.periodMinutes),
      });
      addAlarm(definition.id, metric, definition.threshold(policy), definition.description);
    }

    // One datapoint per probe run: the period is the probe interval.
    const probePeriod = Duration.seconds(context.probeIntervalSeconds);
    for (const definition of probeAlarms) {
      const metric = new Metric({
        namespace: definition.namespace,
        metricName: definition.metricName,
        dimensionsMap: probeDimensionsMap(definition, stage),
        statistic: definition.statistic,
        period: probePeriod,
      });
      addAlarm(definition.id, metric, definition.threshold, definition.description, {
        evaluationPeriods: definition.evaluationPeriods,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      });
    }

    if (context.jvbStatsUrl) {
      for (const definition of jvbAlarms) {
        const metric = new Metric({
          namespace: definition.namespace,
          metricName: definition.metricName,
          dimensionsMap: emfDimensionsMap(definition, stage),
          statistic: definition.statistic,
          period: probePeriod,
        });
        addAlarm(definition.id, metric, definition.threshold(policy), definition.description, {
          evaluationPeriods: definition.evaluationPeriods,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
      }
    }

    const api5xxRate = new MathExpression({
      // Below 10 requests in the period a single error is noise, not a rate.
      expression: 'IF(requests >= 10, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: props.api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
        requests: props.api.metricCount({ period: PERIOD, statistic: 'Sum' }),
      },
      period: PERIOD,
      label: 'API 5xx %',
    });
    addAlarm(
      'Api5xxRateAlarm',
      api5xxRate,
      policy.api5xxPercentThreshold,
      'The HTTP API answers 5xx to too many requests (percent of requests).',
    );

    for (const [operationId, fn] of props.functions) {
      addAlarm(
        `${operationId}.ErrorsAlarm`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        policy.functionErrorsThreshold,
        `Function ${operationId} fails (unhandled errors, timeouts, crashes at start such as bad configuration).`,
      );
      addAlarm(
        `${operationId}.ThrottlesAlarm`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        1,
        `Function ${operationId} is throttled: the account's concurrency is exhausted.`,
      );
    }

    const tableName = props.table.tableName;
    const throttleMetric = (metricName: string, indexName?: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: indexName ? { TableName: tableName, GlobalSecondaryIndexName: indexName } : { TableName: tableName },
        statistic: 'Sum',
        period: PERIOD,
      });
    const throttleSeries: Record<string, IMetric> = {
      tableRead: throttleMetric('ReadThrottleEvents'),
      tableWrite: throttleMetric('WriteThrottleEvents'),
    };
    props.indexNames.forEach((indexName, position) => {
      throttleSeries[`index${position}Read`] = throttleMetric('ReadThrottleEvents', indexName);
      throttleSeries[`index${position}Write`] = throttleMetric('WriteThrottleEvents', indexName);
    });
    addAlarm(
      'DynamoDbThrottlesAlarm',
      new MathExpression({
        expression: Object.keys(throttleSeries)
          .map((name) => `FILL(${name}, 0)`)
          .join(' + '),
        usingMetrics: throttleSeries,
        period: PERIOD,
        label: 'DynamoDB throttle events',
      }),
      1,
      'DynamoDB throttles reads or writes on the table or its index (on-demand capacity limits or a hot key).',
    );

    this.dashboard = this.buildDashboard(props);
  }

  private buildDashboard(props: ObservabilityProps): Dashboard {
    const { stage } = props.settings;
    const emf = (metricName: MetricName, statistic = 'Sum', period = PERIOD) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, stage },
        statistic,
        period,
      });
    // One JVB datapoint per probe run; Maximum shows the worst moment of each period.
    const jvb = (metricName: MetricName) => emf(metricName, 'Maximum', Duration.seconds(props.settings.context.probeIntervalSeconds));
    const byReason = (metricName: MetricName) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},reason,service,stage} MetricName="${metricName}" service="${SERVICE_NAME}" stage="${stage}"', 'Sum', 300)`,
        usingMetrics: {},
        period: PERIOD,
        label: '',
      });
    const latency = (statistic: string) => props.api.metricLatency({ period: PERIOD, statistic, label: `API latency ${statistic}` });
    const durationOf = (operationId: string, statistic: string) =>
      props.functions.get(operationId)?.metricDuration({ period: PERIOD, statistic, label: `${operationId} ${statistic}` });
    const durations = ['calls.start', 'calls.join']
      .flatMap((id) => [durationOf(id, 'p50'), durationOf(id, 'p99')])
      .filter((metric) => metric !== undefined);

    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    dashboard.addWidgets(new TextWidget({ markdown: `# Jitsi calls (${stage})\nAlarm meanings: ops/deploy.md`, width: 24, height: 2 }));
    dashboard.addWidgets(
      new GraphWidget({ title: 'Starts', left: [emf(MetricName.CallStarted), emf(MetricName.LiveClassStarted)], width: 8 }),
      new GraphWidget({ title: 'Joins', left: [emf(MetricName.CallJoined), emf(MetricName.LiveClassJoined)], width: 8 }),
      new GraphWidget({
        title: 'Failures',
        left: [emf(MetricName.JoinFailed), emf(MetricName.FailedToStartCall), emf(MetricName.EventPublishFailed)],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Join failures by reason', left: [byReason(MetricName.JoinFailedByReason)], width: 8 }),
      new GraphWidget({ title: 'Failed starts by reason', left: [byReason(MetricName.FailedToStartCallByReason)], width: 8 }),
      new GraphWidget({ title: 'Access denied by reason', left: [byReason(MetricName.AccessDenied)], width: 8 }),
    );
    // Does ringing work: ring outcomes next to the events that carry them out.
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Ring outcomes',
        left: [emf(MetricName.RingAnswered), emf(MetricName.RingDeclined), emf(MetricName.RingMissed)],
        width: 12,
      }),
      new GraphWidget({
        title: 'Events and webhooks',
        left: [emf(MetricName.EventsPublished), emf(MetricName.WebhookDelivered)],
        right: [emf(MetricName.EventPublishFailed), emf(MetricName.WebhookDeliveryFailed), emf(MetricName.WebhookDeadLettered)],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'API latency p50 / p99 (ms)', left: [latency('p50'), latency('p99')], width: 12 }),
      new GraphWidget({ title: 'Start and join duration p50 / p99 (ms)', left: durations, width: 12 }),
    );
    // The videobridge next to the API's starts, joins and join failures above (JVB_STATS_URL).
    dashboard.addWidgets(
      new TextWidget({
        markdown: `## Videobridge${props.settings.context.jvbStatsUrl ? '' : ' (no jvbStatsUrl in this stage: no data)'}\nWhat each graph means: ops/runbook.md#monitoring`,
        width: 24,
        height: 1,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'JVB stress level', left: [jvb(MetricName.JvbStressLevel)], width: 6 }),
      new GraphWidget({ title: 'JVB CPU and memory (%)', left: [jvb(MetricName.JvbCpuUsage), jvb(MetricName.JvbMemoryUsage)], width: 6 }),
      new GraphWidget({
        title: 'JVB conferences and participants',
        left: [jvb(MetricName.JvbConferences), jvb(MetricName.JvbParticipants), jvb(MetricName.JvbLargestConference)],
        width: 6,
      }),
      new GraphWidget({
        title: 'JVB packet loss (%)',
        left: [jvb(MetricName.JvbLossRateDownload), jvb(MetricName.JvbLossRateUpload)],
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'JVB RTT aggregate (ms)', left: [jvb(MetricName.JvbRttAggregate)], width: 12 }),
      new GraphWidget({
        title: 'JVB bit rates (kbit/s)',
        left: [jvb(MetricName.JvbBitRateDownload), jvb(MetricName.JvbBitRateUpload)],
        width: 12,
      }),
    );
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    return dashboard;
  }
}
