import {
  COMPONENT_DIMENSION,
  DEFAULT_DIMENSION_NAMES,
  METRICS_NAMESPACE,
  MetricName,
  PROBE_HEALTHY_DIMENSION_NAMES,
  REASON_DIMENSION,
  SERVICE_NAME,
} from '../../shared/observability/metric-names';
import type { ProbeComponent } from '../../shared/probes/types';
import type { Stage, StagePolicy } from './stage-config';

// Alarms over the EMF metrics the functions emit, as data: the infra tests compare each one
// with shared/observability/metric-names.ts, so a renamed metric cannot silently blind an alarm.

export interface EmfAlarmDefinition {
  /** Construct id. */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: MetricName;
  /** Exactly the dimensions the metric is emitted with (CloudWatch matches dimension sets exactly). */
  readonly dimensionNames: readonly string[];
  readonly statistic: 'Sum';
  readonly periodMinutes: number;
  readonly threshold: (policy: StagePolicy) => number;
  /** What the alarm means, for the alarm description and ops/deploy.md. */
  readonly description: string;
}

export const emfAlarms: readonly EmfAlarmDefinition[] = [
  {
    id: 'JoinFailedAlarm',
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.JoinFailed,
    dimensionNames: DEFAULT_DIMENSION_NAMES,
    statistic: 'Sum',
    periodMinutes: 5,
    threshold: (policy) => policy.joinFailedThreshold,
    description:
      'Joins of calls or live classes are failing (any reason but the caller\'s own: see "Join failures by reason" on the dashboard).',
  },
  {
    id: 'FailedToStartCallAlarm',
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.FailedToStartCall,
    dimensionNames: DEFAULT_DIMENSION_NAMES,
    statistic: 'Sum',
    periodMinutes: 5,
    threshold: (policy) => policy.failedToStartCallThreshold,
    description: 'failed_to_start_call: call starts are failing (not counting 409 call_in_progress).',
  },
  {
    id: 'EventPublishFailedAlarm',
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.EventPublishFailed,
    dimensionNames: DEFAULT_DIMENSION_NAMES,
    statistic: 'Sum',
    periodMinutes: 5,
    threshold: () => 1,
    description: 'Outbox events could not be put on the bus (they are retried from the stream): members may not be rung in time.',
  },
  {
    id: 'RecordingMetadataRejectedAlarm',
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.RecordingMetadataRejected,
    dimensionNames: DEFAULT_DIMENSION_NAMES,
    statistic: 'Sum',
    periodMinutes: 5,
    threshold: () => 1,
    description: 'Stored recording metadata did not decrypt under its call: a corrupted or tampered item (it is not served).',
  },
  {
    id: 'PresenceEventRejectedAlarm',
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.PresenceEventRejected,
    dimensionNames: DEFAULT_DIMENSION_NAMES,
    statistic: 'Sum',
    periodMinutes: 5,
    // A burst, not a stray probe of the public route: Prosody with a wrong bearer (or JaaS with a
    // secret not yet put) fails every event. One alarm for both sources: same metric, same cause.
    threshold: () => 20,
    description:
      'event_sync posts or JaaS webhooks are rejected (wrong or missing bearer, bad or stale X-Jaas-Signature): presence is not being recorded, or someone is guessing.',
  },
  {
    id: 'JitsiEndMeetingFailedAlarm',
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.JitsiEndMeetingFailed,
    dimensionNames: DEFAULT_DIMENSION_NAMES,
    statistic: 'Sum',
    periodMinutes: 5,
    threshold: () => 1,
    description: "Jitsi's end-meeting failed: a call or class ended in the store, but people may still be in the Jitsi room.",
  },
];

/** The dimension values the code emits in a stage: `service` = SERVICE_NAME, `stage` = the stage, `reason` varies. */
export function emittedDimensionValue(name: string, stage: Stage): string {
  if (name === 'service') return SERVICE_NAME;
  if (name === 'stage') return stage;
  throw new Error(`No fixed value for dimension ${name}${name === REASON_DIMENSION ? ' (it varies: use a SEARCH expression)' : ''}`);
}

export function emfDimensionsMap(definition: Pick<EmfAlarmDefinition, 'dimensionNames'>, stage: Stage): Record<string, string> {
  return Object.fromEntries(definition.dimensionNames.map((name) => [name, emittedDimensionValue(name, stage)]));
}

/**
 * One alarm per probed component on ProbeHealthy (1 up, 0 down): Minimum < 1 over each probe
 * period, for `evaluationPeriods` periods in a row. Missing data breaches: a probe that stops
 * running (or cannot start) is as blind as a failing one.
 */
export interface ProbeAlarmDefinition {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: MetricName;
  readonly component: ProbeComponent;
  /** Exactly the dimensions ProbeHealthy is emitted with. */
  readonly dimensionNames: readonly string[];
  readonly statistic: 'Minimum';
  /** Below this (1) the component was down at least once in the period. */
  readonly threshold: number;
  /** Consecutive probe periods: one failed run (a redeploy of coturn, a blip) does not page. */
  readonly evaluationPeriods: number;
  readonly description: string;
}

const probeAlarm = (component: ProbeComponent, description: string): ProbeAlarmDefinition => ({
  id: `Probe${component[0]!.toUpperCase()}${component.slice(1)}DownAlarm`,
  namespace: METRICS_NAMESPACE,
  metricName: MetricName.ProbeHealthy,
  component,
  dimensionNames: PROBE_HEALTHY_DIMENSION_NAMES,
  statistic: 'Minimum',
  threshold: 1,
  evaluationPeriods: 3,
  description,
});

export const probeAlarms: readonly ProbeAlarmDefinition[] = [
  probeAlarm(
    'jitsi',
    'The Jitsi probe reports down (or has not reported) for 3 probe periods: GET /api/calls/health/jitsi names the failing check; ops/probes.md says what to do.',
  ),
  probeAlarm(
    'coturn',
    'The coturn probe reports down (or has not reported) for 3 probe periods: GET /api/calls/health/coturn names the failing check; ops/probes.md says what to do.',
  ),
];

export function probeDimensionsMap(definition: ProbeAlarmDefinition, stage: Stage): Record<string, string> {
  return Object.fromEntries(
    definition.dimensionNames.map((name) => [
      name,
      name === COMPONENT_DIMENSION ? definition.component : emittedDimensionValue(name, stage),
    ]),
  );
}

/**
 * Alarms on the videobridge's figures (only where the stage sets jvbStatsUrl): the Maximum over
 * each probe period, above the stage's threshold for 3 periods in a row. Missing data does not
 * breach: a silent probe already pages through ProbeJitsiDownAlarm.
 */
export interface JvbAlarmDefinition {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: MetricName;
  readonly dimensionNames: readonly string[];
  readonly statistic: 'Maximum';
  readonly threshold: (policy: StagePolicy) => number;
  readonly evaluationPeriods: number;
  readonly description: string;
}

const jvbAlarm = (metricName: MetricName, threshold: (policy: StagePolicy) => number, description: string): JvbAlarmDefinition => ({
  id: `${metricName}Alarm`,
  namespace: METRICS_NAMESPACE,
  metricName,
  dimensionNames: DEFAULT_DIMENSION_NAMES,
  statistic: 'Maximum',
  threshold,
  evaluationPeriods: 3,
  description,
});

export const jvbAlarms: readonly JvbAlarmDefinition[] = [
  jvbAlarm(
    MetricName.JvbStressLevel,
    (policy) => policy.jvbStressLevelThreshold,
    'The videobridge is overloaded (stress level): new participants get poor media; add a bridge or move conferences (ops/runbook.md#monitoring).',
  ),
  jvbAlarm(
    MetricName.JvbLossRateDownload,
    (policy) => policy.jvbLossPercentThreshold,
    "Packet loss into the videobridge is high: the senders' networks or the bridge host's ingress (ops/runbook.md#monitoring).",
  ),
  jvbAlarm(
    MetricName.JvbLossRateUpload,
    (policy) => policy.jvbLossPercentThreshold,
    "Packet loss from the videobridge to receivers is high: the bridge host's egress or its bandwidth (ops/runbook.md#monitoring).",
  ),
];
