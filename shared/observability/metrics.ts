import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { getConfig } from '../config';
import type { ErrorCode } from '../errors';
import { METRICS_NAMESPACE, MetricName, REASON_DIMENSION, SERVICE_NAME } from './metric-names';

let metrics: Metrics | undefined;

function instance(): Metrics {
  metrics ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { stage: getConfig().STAGE },
  });
  return metrics;
}

interface OutcomeMetrics {
  success: MetricName;
  failure: MetricName;
  failureByReason: MetricName;
  /** Answers that are an expected outcome rather than a failure. */
  notFailures?: readonly ErrorCode[];
}

const START_CALL: OutcomeMetrics = {
  success: MetricName.CallStarted,
  failure: MetricName.FailedToStartCall,
  failureByReason: MetricName.FailedToStartCallByReason,
  // A second starter is told to join the running call: that is the design working.
  notFailures: ['call_in_progress'],
};
const JOIN = (success: MetricName): OutcomeMetrics => ({
  success,
  failure: MetricName.JoinFailed,
  failureByReason: MetricName.JoinFailedByReason,
});

const OUTCOME_METRICS: Record<string, OutcomeMetrics> = {
  'calls.start': START_CALL,
  'calls.join': JOIN(MetricName.CallJoined),
  'live-classes.start': { ...JOIN(MetricName.LiveClassStarted) },
  'live-classes.join': JOIN(MetricName.LiveClassJoined),
};

const ACCESS_DENIED_CODES: ReadonlySet<ErrorCode> = new Set(['forbidden', 'not_a_thread_member', 'not_enrolled']);

export interface RequestOutcome {
  operation: string;
  errorCode?: ErrorCode | undefined;
}

/** A request's business metrics; each is flushed at once as its own EMF document. */
export function recordRequestOutcome({ operation, errorCode }: RequestOutcome): void {
  const outcome = OUTCOME_METRICS[operation];
  if (outcome && errorCode === undefined) countMetric(outcome.success);
  if (outcome && errorCode !== undefined && !outcome.notFailures?.includes(errorCode)) {
    countMetric(outcome.failure);
    countByReason(outcome.failureByReason, errorCode);
  }
  if (errorCode !== undefined && ACCESS_DENIED_CODES.has(errorCode)) countByReason(MetricName.AccessDenied, errorCode);
}

export function countMetric(name: MetricName): void {
  const m = instance();
  m.addMetric(name, MetricUnit.Count, 1);
  m.publishStoredMetrics();
}

function countByReason(name: MetricName, reason: string): void {
  const single = instance().singleMetric();
  single.addDimension(REASON_DIMENSION, reason);
  single.addMetric(name, MetricUnit.Count, 1);
}
