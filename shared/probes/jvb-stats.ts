import { MetricName } from '../observability/metric-names';

// The videobridge's private /colibri/stats (JVB_STATS_URL) turned into CloudWatch metrics.
// Field names: jitsi-videobridge doc/statistics.md. Newer bridges drop cpu_usage and the memory
// fields and add stress_level; a field that is absent or not a number is skipped, never guessed.

export type JvbMetricUnit = 'None' | 'Percent' | 'Count' | 'Milliseconds' | 'Kilobits/Second';

export interface JvbMetricMapping {
  readonly metricName: MetricName;
  readonly unit: JvbMetricUnit;
  /** The stats fields it is computed from. */
  readonly fields: readonly string[];
  readonly value: (fields: readonly number[]) => number;
}

const fraction = (values: readonly number[]) => (values[0] as number) * 100;
const same = (values: readonly number[]) => values[0] as number;

export const JVB_METRICS: readonly JvbMetricMapping[] = [
  // 0 idle; jicofo's default stress-threshold treats a bridge above 0.8 as overloaded.
  { metricName: MetricName.JvbStressLevel, unit: 'None', fields: ['stress_level'], value: same },
  { metricName: MetricName.JvbCpuUsage, unit: 'Percent', fields: ['cpu_usage'], value: fraction },
  {
    metricName: MetricName.JvbMemoryUsage,
    unit: 'Percent',
    fields: ['used_memory', 'total_memory'],
    value: ([used, total]) => (100 * (used as number)) / (total as number),
  },
  { metricName: MetricName.JvbConferences, unit: 'Count', fields: ['conferences'], value: same },
  { metricName: MetricName.JvbParticipants, unit: 'Count', fields: ['participants'], value: same },
  { metricName: MetricName.JvbLargestConference, unit: 'Count', fields: ['largest_conference'], value: same },
  { metricName: MetricName.JvbLossRateDownload, unit: 'Percent', fields: ['loss_rate_download'], value: fraction },
  { metricName: MetricName.JvbLossRateUpload, unit: 'Percent', fields: ['loss_rate_upload'], value: fraction },
  { metricName: MetricName.JvbRttAggregate, unit: 'Milliseconds', fields: ['rtt_aggregate'], value: same },
  { metricName: MetricName.JvbBitRateDownload, unit: 'Kilobits/Second', fields: ['bit_rate_download'], value: same },
  { metricName: MetricName.JvbBitRateUpload, unit: 'Kilobits/Second', fields: ['bit_rate_upload'], value: same },
];

export interface JvbMetricValue {
  metricName: MetricName;
  unit: JvbMetricUnit;
  value: number;
}

export interface JvbStats {
  metrics: JvbMetricValue[];
  /** Metric names the bridge gave no usable field for (older or newer JVB, stats disabled). */
  missing: MetricName[];
}

export class JvbStatsError extends Error {
  override name = 'JvbStatsError';
}

/** Parses a /colibri/stats body; throws JvbStatsError when it is not a JSON object. */
export function parseJvbStats(body: string): JvbStats {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new JvbStatsError('answered something that is not JSON (is it /colibri/stats on the private REST port?)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new JvbStatsError('answered JSON that is not a stats object');
  }
  const stats = parsed as Record<string, unknown>;
  const metrics: JvbMetricValue[] = [];
  const missing: MetricName[] = [];
  for (const mapping of JVB_METRICS) {
    const values = mapping.fields.map((field) => stats[field]);
    const numbers = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0);
    const value = numbers.length === values.length ? mapping.value(numbers) : Number.NaN;
    if (Number.isFinite(value)) metrics.push({ metricName: mapping.metricName, unit: mapping.unit, value });
    else missing.push(mapping.metricName);
  }
  return { metrics, missing };
}
