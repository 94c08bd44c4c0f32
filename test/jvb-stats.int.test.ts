import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetConfigForTests } from '../shared/config';
import { DEFAULT_DIMENSION_NAMES, METRICS_NAMESPACE, MetricName } from '../shared/observability/metric-names';
import { probeJitsi } from '../shared/probes/configured';
import { runJitsiProbe } from '../shared/probes/jitsi-probe';
import type { JvbStats } from '../shared/probes/jvb-stats';

// A stand-in for the videobridge's private REST port, answering /colibri/stats in the JSON shape
// jitsi-videobridge documents (doc/statistics.md), plus the answers a misconfigured one gives.

const OLD_BRIDGE = {
  cpu_usage: 0.03015,
  used_memory: 3732,
  rtp_loss: 0.025,
  bit_rate_download: 25000,
  audiochannels: 12,
  bit_rate_upload: 120000,
  conferences: 3,
  participants: 12,
  current_timestamp: '2014-08-14 23:26:14.782',
  threads: 117,
  total_memory: 4051,
  videochannels: 12,
  packet_rate_download: 500,
  packet_rate_upload: 1500,
  loss_rate_download: 0.005,
  loss_rate_upload: 0.02,
  jitter_aggregate: 9,
  rtt_aggregate: 50,
  videostreams: 80,
  largest_conference: 7,
  conference_sizes: [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
};
// A current bridge: stress_level added, the machine's CPU and memory no longer reported.
const NEW_BRIDGE = {
  stress_level: 0.42,
  conferences: 2,
  participants: 9,
  largest_conference: 6,
  loss_rate_download: 0,
  loss_rate_upload: 0.01,
  rtt_aggregate: 'n/a',
  bit_rate_download: 1800,
  bit_rate_upload: 5400,
  healthy: true,
};

const answers: Record<string, { status: number; type: string; body: string }> = {
  '/old/colibri/stats': { status: 200, type: 'application/json', body: JSON.stringify(OLD_BRIDGE) },
  '/new/colibri/stats': { status: 200, type: 'application/json', body: JSON.stringify(NEW_BRIDGE) },
  '/html/colibri/stats': { status: 200, type: 'text/html', body: '<html><body>Welcome to nginx!</body></html>' },
  '/array/colibri/stats': { status: 200, type: 'application/json', body: '[1,2,3]' },
  // Just enough of a Jitsi front (page markers, prosody's BOSH GET answer) for the critical checks to pass.
  '/front/': { status: 200, type: 'text/html', body: '<html><script src="libs/app.bundle.min.js"></script></html>' },
  '/front/http-bind': { status: 200, type: 'text/html', body: 'It works! Now point your BOSH client to this URL.' },
  '/empty/colibri/stats': { status: 200, type: 'application/json', body: '{"graceful_shutdown":false}' },
};

let base = '';
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const answer = answers[req.url ?? ''];
    if (!answer) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function statsCheck(path: string) {
  const received: JvbStats[] = [];
  const result = await runJitsiProbe({
    publicUrl: `${base}/front/`,
    jvbStatsUrl: `${base}${path}`,
    onJvbStats: (stats) => received.push(stats),
    checkTimeoutMs: 1000,
  });
  const check = result.checks.find((entry) => entry.name === 'jvb_stats');
  if (!check) throw new Error('no jvb_stats check in the result');
  return { check, received, result };
}

const valueOf = (stats: JvbStats | undefined, name: MetricName) => stats?.metrics.find((metric) => metric.metricName === name)?.value;

describe('videobridge stats (JVB_STATS_URL)', () => {
  it('maps every documented field of an older bridge, fractions as percent and memory as used/total', async () => {
    const { check, received, result } = await statsCheck('/old/colibri/stats');
    expect(check.ok).toBe(true);
    expect(result.status).toBe('ok');
    const [stats] = received;
    expect(valueOf(stats, MetricName.JvbCpuUsage)).toBeCloseTo(3.015, 6);
    expect(valueOf(stats, MetricName.JvbMemoryUsage)).toBeCloseTo((100 * 3732) / 4051, 6);
    expect(valueOf(stats, MetricName.JvbConferences)).toBe(3);
    expect(valueOf(stats, MetricName.JvbParticipants)).toBe(12);
    expect(valueOf(stats, MetricName.JvbLargestConference)).toBe(7);
    expect(valueOf(stats, MetricName.JvbLossRateDownload)).toBeCloseTo(0.5, 6);
    expect(valueOf(stats, MetricName.JvbLossRateUpload)).toBeCloseTo(2, 6);
    expect(valueOf(stats, MetricName.JvbRttAggregate)).toBe(50);
    expect(valueOf(stats, MetricName.JvbBitRateDownload)).toBe(25000);
    expect(valueOf(stats, MetricName.JvbBitRateUpload)).toBe(120000);
    expect(stats?.missing).toEqual([MetricName.JvbStressLevel]);
    expect(check.detail).toContain('not reported: JvbStressLevel');
  });

  it('skips missing and non-numeric fields of a newer bridge instead of publishing zeros', async () => {
    const { check, received } = await statsCheck('/new/colibri/stats');
    expect(check.ok).toBe(true);
    const [stats] = received;
    expect(valueOf(stats, MetricName.JvbStressLevel)).toBe(0.42);
    expect(valueOf(stats, MetricName.JvbLossRateDownload)).toBe(0);
    expect(stats?.missing.sort()).toEqual([MetricName.JvbCpuUsage, MetricName.JvbMemoryUsage, MetricName.JvbRttAggregate].sort());
  });

  it.each([
    ['/html/colibri/stats', 'not JSON'],
    ['/array/colibri/stats', 'not a stats object'],
    ['/missing/colibri/stats', 'HTTP 404'],
  ])('fails the minor jvb_stats check for %s (%s), publishes nothing, and leaves the status degraded', async (path, words) => {
    const { check, received, result } = await statsCheck(path);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(words);
    expect(check.detail).not.toContain('127.0.0.1');
    expect(received).toEqual([]);
    expect(result.status).toBe('degraded');
  });

  it('does not count an object without any known field as a reading', async () => {
    const { check, received } = await statsCheck('/empty/colibri/stats');
    expect(check.ok).toBe(false);
    expect(received[0]?.metrics).toEqual([]);
  });
});

describe('the scheduled Jitsi probe with JVB_STATS_URL', () => {
  it('publishes the stats as one EMF document with the service and stage dimensions', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.JVB_STATS_URL = `${base}/old/colibri/stats`;
    process.env.JITSI_PUBLIC_URL = `${base}/front/`;
    resetConfigForTests();
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
      printed.push(String(chunk));
      rest.find((argument): argument is () => void => typeof argument === 'function')?.();
      return true;
    });
    let result;
    try {
      result = await probeJitsi();
    } finally {
      spy.mockRestore();
      delete process.env.JVB_STATS_URL;
      resetConfigForTests();
    }
    expect(result.checks.find((check) => check.name === 'jvb_stats')?.ok).toBe(true);
    const docs = printed
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes(MetricName.JvbParticipants))
      .map((line) => JSON.parse(line));
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
    expect(doc._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual([...DEFAULT_DIMENSION_NAMES]);
    expect(doc).toMatchObject({ service: 'jitsi-calls', stage: 'local', JvbParticipants: 12, JvbRttAggregate: 50 });
    const units = Object.fromEntries(
      doc._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string; Unit: string }) => [metric.Name, metric.Unit]),
    );
    expect(units).toMatchObject({ JvbCpuUsage: 'Percent', JvbBitRateUpload: 'Kilobits/Second', JvbRttAggregate: 'Milliseconds' });
  });
});
