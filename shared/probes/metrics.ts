import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CHECK_DIMENSION, COMPONENT_DIMENSION, MetricName } from '../observability/metric-names';
import { metricsInstance as instance } from '../observability/metrics';
import type { JvbStats } from './jvb-stats';
import type { ProbeComponent, ProbeResult } from './types';

// ProbeHealthy {service, stage, component} and ProbeCheckLatency {service, stage, component, check}:
// the dimension sets declared in metric-names.ts, which the probe alarms match exactly.

/** 1 for what the health route answers 200 (ok, degraded), 0 for down. Each is flushed at once. */
export function recordProbeHealthy(component: ProbeComponent, healthy: boolean): void {
  const single = instance().singleMetric();
  single.addDimension(COMPONENT_DIMENSION, component);
  single.addMetric(MetricName.ProbeHealthy, MetricUnit.Count, healthy ? 1 : 0);
}

export function recordProbeMetrics(result: ProbeResult): void {
  recordProbeHealthy(result.component, result.status !== 'down');
  for (const check of result.checks) {
    const single = instance().singleMetric();
    single.addDimensions({ [COMPONENT_DIMENSION]: result.component, [CHECK_DIMENSION]: check.name });
    single.addMetric(MetricName.ProbeCheckLatency, MetricUnit.Milliseconds, check.latency_ms);
  }
}

/** The videobridge's figures, {service, stage} like the API's metrics: one EMF document per probe run. */
export function recordJvbStats(stats: JvbStats): void {
  const metrics = instance();
  for (const metric of stats.metrics) metrics.addMetric(metric.metricName, metric.unit as (typeof MetricUnit)[keyof typeof MetricUnit], metric.value);
  metrics.publishStoredMetrics();
}
