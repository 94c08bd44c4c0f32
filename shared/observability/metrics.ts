import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import { getConfig } from '../config';
import type { ErrorCode } from '../errors';
import { logger } from './logger';
import { METRICS_NAMESPACE, MetricName, REASON_DIMENSION, SERVICE_NAME, type OutcomeMetrics } from './metric-names';

// One Metrics instance per container. logMetrics flushes what an invocation counted as one EMF
// document; outside an invocation (a scheduled job) countMetric flushes at once.

let metrics: Metrics | undefined;
let inInvocation = false;

// logMetrics warns on every invocation that counted nothing (most reads): expected here, so debug.
const metricsLogger = {
  debug: (...args: unknown[]) => logger.debug(String(args[0])),
  info: (...args: unknown[]) => logger.info(String(args[0])),
  warn: (...args: unknown[]) =>
    String(args[0]).startsWith('No application metrics') ? logger.debug(String(args[0])) : logger.warn(String(args[0])),
  error: (...args: unknown[]) => logger.error(String(args[0])),
};

// Built at the first invocation, not at import: the stage and POWERTOOLS_* settings are read then.
export function metricsInstance(): Metrics {
  metrics ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { stage: getConfig().STAGE },
    logger: metricsLogger,
  });
  return metrics;
}

/** Powertools' logMetrics on the one instance, created lazily (see metricsInstance). */
export function invocationMetrics(): MiddlewareObj {
  let middleware: MiddlewareObj | undefined;
  const inner = () => (middleware ??= logMetrics(metricsInstance()));
  return {
    before: async (request) => {
      inInvocation = true;
      await inner().before?.(request);
    },
    after: async (request) => {
      inInvocation = false;
      await inner().after?.(request);
    },
    onError: async (request) => {
      inInvocation = false;
      await inner().onError?.(request);
    },
  };
}

const ACCESS_DENIED_CODES: ReadonlySet<ErrorCode> = new Set(['forbidden', 'not_a_thread_member', 'not_enrolled']);

export interface RequestOutcome {
  outcome?: OutcomeMetrics | undefined;
  errorCode?: ErrorCode | undefined;
}

/**
 * A request's business metrics. With a failure reason the document carries two dimension sets,
 * {service, stage} and {service, stage, reason}: the alarms match the first, the dashboard the second.
 */
export function recordRequestOutcome({ outcome, errorCode }: RequestOutcome): void {
  const m = metricsInstance();
  if (outcome && errorCode === undefined) m.addMetric(outcome.success, MetricUnit.Count, 1);
  const failed = outcome !== undefined && errorCode !== undefined && !outcome.notFailures?.includes(errorCode);
  const denied = errorCode !== undefined && ACCESS_DENIED_CODES.has(errorCode);
  if (!failed && !denied) return;
  m.addDimensions({});
  m.addDimensions({ [REASON_DIMENSION]: errorCode as string });
  if (failed) {
    m.addMetric(outcome.failure, MetricUnit.Count, 1);
    m.addMetric(outcome.failureByReason, MetricUnit.Count, 1);
  }
  if (denied) m.addMetric(MetricName.AccessDenied, MetricUnit.Count, 1);
}

export function countMetric(name: MetricName): void {
  const m = metricsInstance();
  m.addMetric(name, MetricUnit.Count, 1);
  if (!inInvocation) m.publishStoredMetrics();
}
