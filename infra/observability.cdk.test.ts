import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DIMENSION_NAMES, METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../shared/observability/metric-names';
import { JVB_METRICS } from '../shared/probes/jvb-stats';
import { REPO_ROOT } from './build';
import { jvbAlarms } from './constructs/alarm-definitions';
import { STAGE_POLICY, type Stage } from './constructs/stage-config';
import { createStageStack } from './stack';

// The videobridge row: the JVB metrics the Jitsi probe publishes, on the dashboard next to the
// API's starts and joins, and the stress and loss alarms with the stage's thresholds.

const cdkContext = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as {
  stages: Record<Stage, Record<string, unknown>>;
};
const STATS_URL = 'http://jvb.internal.example:8080/colibri/stats';

function synth(stage: Stage, extra: Record<string, unknown> = {}): Template {
  const stages = { ...cdkContext.stages, [stage]: { ...cdkContext.stages[stage], ...extra } };
  const stack = createStageStack(new App({ context: cdkContext }), { stage, stages, code: { kind: 'placeholder' }, nag: false });
  return Template.fromStack(stack);
}

let withStats: Template;
let withoutStats: Template;

beforeAll(() => {
  withStats = synth('prod', { jvbStatsUrl: STATS_URL });
  withoutStats = synth('staging');
});

const jvbAlarmsIn = (template: Template) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
    String(alarm.Properties.MetricName ?? '').startsWith('Jvb'),
  );

describe('videobridge alarms', () => {
  it('alarms on stress level and on loss in both directions', () => {
    expect(jvbAlarms.map((definition) => definition.metricName).sort()).toEqual(
      [MetricName.JvbLossRateDownload, MetricName.JvbLossRateUpload, MetricName.JvbStressLevel].sort(),
    );
  });

  it("watches each emitted JVB metric with the stage's threshold, over probe periods, not breaching on silence", () => {
    const alarms = jvbAlarmsIn(withStats);
    expect(alarms).toHaveLength(jvbAlarms.length);
    for (const definition of jvbAlarms) {
      const alarm = alarms.find((candidate) => candidate.Properties.MetricName === definition.metricName);
      expect(alarm, definition.metricName).toBeDefined();
      expect(JVB_METRICS.map((mapping) => mapping.metricName)).toContain(definition.metricName);
      const dimensions = alarm!.Properties.Dimensions as { Name: string; Value: string }[];
      expect(Object.fromEntries(dimensions.map((dimension) => [dimension.Name, dimension.Value]))).toEqual({
        service: SERVICE_NAME,
        stage: 'prod',
      });
      expect(dimensions.map((dimension) => dimension.Name).sort()).toEqual([...DEFAULT_DIMENSION_NAMES].sort());
      expect(alarm!.Properties).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        Statistic: 'Maximum',
        Threshold: definition.threshold(STAGE_POLICY.prod),
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        EvaluationPeriods: 3,
        Period: cdkContext.stages.prod.probeIntervalSeconds,
      });
      expect(alarm!.Properties.AlarmActions).toHaveLength(1);
    }
    const stress = alarms.find((alarm) => alarm.Properties.MetricName === MetricName.JvbStressLevel);
    expect(stress!.Properties.Threshold).toBe(STAGE_POLICY.prod.jvbStressLevelThreshold);
  });

  it('has stricter loss thresholds in prod than in dev', () => {
    expect(STAGE_POLICY.prod.jvbLossPercentThreshold).toBeLessThan(STAGE_POLICY.dev.jvbLossPercentThreshold);
    expect(STAGE_POLICY.prod.jvbStressLevelThreshold).toBeLessThanOrEqual(STAGE_POLICY.dev.jvbStressLevelThreshold);
  });

  it('creates no JVB alarm in a stage without jvbStatsUrl (nothing would ever feed it)', () => {
    expect(jvbAlarmsIn(withoutStats)).toHaveLength(0);
  });

  it('passes JVB_STATS_URL to the functions only where the stage sets it', () => {
    const env = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function')).map(
        (fn) => (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
      );
    expect(env(withStats).some((variables) => variables.JVB_STATS_URL === STATS_URL)).toBe(true);
    expect(env(withoutStats).some((variables) => 'JVB_STATS_URL' in variables)).toBe(false);
  });

  it('rejects a jvbStatsUrl that is not an http(s) URL', () => {
    expect(() => synth('dev', { jvbStatsUrl: 'jvb:8080/colibri/stats' })).toThrow(/jvbStatsUrl/);
  });
});

describe('the dashboard', () => {
  it('shows every JVB metric next to the starts, joins and join failures by reason', () => {
    const body = JSON.stringify(withStats.findResources('AWS::CloudWatch::Dashboard'));
    // The body is a JSON string inside the template: its quotes are escaped.
    for (const mapping of JVB_METRICS) expect(body).toContain(`\\"${mapping.metricName}\\"`);
    for (const title of ['JVB stress level', 'JVB CPU and memory', 'JVB packet loss', 'JVB RTT aggregate', 'JVB bit rates']) {
      expect(body).toContain(title);
    }
    for (const name of [MetricName.CallStarted, MetricName.CallJoined, MetricName.JoinFailedByReason]) expect(body).toContain(name);
  });

  it('says on the dashboard when a stage has no stats URL', () => {
    expect(JSON.stringify(withoutStats.findResources('AWS::CloudWatch::Dashboard'))).toContain('no jvbStatsUrl in this stage');
  });
});
