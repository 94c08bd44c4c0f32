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
  EventPublishFailed: 'EventPublishFailed',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const REASON_DIMENSION = 'reason';
