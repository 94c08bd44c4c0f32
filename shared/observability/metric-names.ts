// Metric names and dimensions, declared once: the code emits exactly these and the
// alarms and dashboard in infra/ watch exactly these (infra tests check it).

export const METRICS_NAMESPACE = 'JitsiCalls';

/** Dimensions on every metric: the service name and the stage. */
export const DEFAULT_DIMENSION_NAMES = ['service', 'stage'] as const;

export const SERVICE_NAME = 'jitsi-calls';

export const MetricName = {
  CallStarted: 'CallStarted',
  CallJoined: 'CallJoined',
  LiveClassStarted: 'LiveClassStarted',
  LiveClassJoined: 'LiveClassJoined',
  /** A start that did not give 201 for any reason but an existing call (`failed_to_start_call`). */
  FailedToStartCall: 'FailedToStartCall',
  /** Any failed join of a call or a live class. */
  JoinFailed: 'JoinFailed',
  /** Same count with a `reason` dimension (the error code), for the dashboard. */
  JoinFailedByReason: 'JoinFailedByReason',
  FailedToStartCallByReason: 'FailedToStartCallByReason',
  /** not_a_thread_member, forbidden, not_enrolled: with a `reason` dimension. */
  AccessDenied: 'AccessDenied',
  /** An outbox event that could not be handed to the bus (deployed) or a local consumer: it is retried. */
  EventPublishFailed: 'EventPublishFailed',
  /** An outbox event handed to the stage's bus (or, locally, to every local consumer). */
  EventsPublished: 'EventsPublished',
  /** Ring outcomes, one per invitation: answered (joined), declined, missed (RING_TIMEOUT_SECONDS passed). */
  RingAnswered: 'RingAnswered',
  RingDeclined: 'RingDeclined',
  RingMissed: 'RingMissed',
  /** Stored recording metadata that did not decrypt under its call's context: corruption or tampering. */
  RecordingMetadataRejected: 'RecordingMetadataRejected',
  /** 1 when a scheduled probe's component answers (ok or degraded), 0 when down: the probe alarms watch it. */
  ProbeHealthy: 'ProbeHealthy',
  /** Milliseconds per probe check, with the `check` dimension (its CHECK_NAMES name). */
  ProbeCheckLatency: 'ProbeCheckLatency',
  /** The videobridge's own figures, read by the Jitsi probe from JVB_STATS_URL (shared/probes/jvb-stats.ts). */
  JvbStressLevel: 'JvbStressLevel',
  JvbCpuUsage: 'JvbCpuUsage',
  JvbMemoryUsage: 'JvbMemoryUsage',
  JvbConferences: 'JvbConferences',
  JvbParticipants: 'JvbParticipants',
  JvbLargestConference: 'JvbLargestConference',
  JvbLossRateDownload: 'JvbLossRateDownload',
  JvbLossRateUpload: 'JvbLossRateUpload',
  JvbRttAggregate: 'JvbRttAggregate',
  JvbBitRateDownload: 'JvbBitRateDownload',
  JvbBitRateUpload: 'JvbBitRateUpload',
  /** A webhook POST answered 2xx. */
  WebhookDelivered: 'WebhookDelivered',
  /** A webhook attempt that failed (non-2xx, timeout, network): it is retried or dead-lettered. */
  WebhookDeliveryFailed: 'WebhookDeliveryFailed',
  /** A webhook that failed for 24 h and went to the dead-letter store: a receiver is missing events. */
  WebhookDeadLettered: 'WebhookDeadLettered',
  /** Jitsi's end-meeting failed (the call or class still ended in the store): people may still be in the room. */
  JitsiEndMeetingFailed: 'JitsiEndMeetingFailed',
  /** A kick of a removed member or unenrolled student failed. */
  JitsiKickFailed: 'JitsiKickFailed',
  /** A presence event refused: wrong or missing events secret, or a bad JaaS signature. */
  PresenceEventRejected: 'PresenceEventRejected',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const REASON_DIMENSION = 'reason';

/** The probed component: `jitsi` or `coturn` (shared/probes/types.ts ProbeComponent). */
export const COMPONENT_DIMENSION = 'component';
/** A probe check's name (shared/probes/types.ts CHECK_NAMES). */
export const CHECK_DIMENSION = 'check';

/** ProbeHealthy's exact dimension set: CloudWatch alarms match dimension sets exactly. */
export const PROBE_HEALTHY_DIMENSION_NAMES = [...DEFAULT_DIMENSION_NAMES, COMPONENT_DIMENSION] as const;
export const PROBE_CHECK_DIMENSION_NAMES = [...DEFAULT_DIMENSION_NAMES, COMPONENT_DIMENSION, CHECK_DIMENSION] as const;

/** The metrics an operation's outcome counts (its contract's `outcome`). */
export interface OutcomeMetrics {
  readonly success: MetricName;
  readonly failure: MetricName;
  readonly failureByReason: MetricName;
  /** Answers that are an expected outcome rather than a failure. */
  readonly notFailures?: readonly string[];
}

export const START_CALL_OUTCOME: OutcomeMetrics = {
  success: MetricName.CallStarted,
  failure: MetricName.FailedToStartCall,
  failureByReason: MetricName.FailedToStartCallByReason,
  // A second starter is told to join the running call: that is the design working.
  notFailures: ['call_in_progress'],
};

export const joinOutcome = (success: MetricName): OutcomeMetrics => ({
  success,
  failure: MetricName.JoinFailed,
  failureByReason: MetricName.JoinFailedByReason,
});
