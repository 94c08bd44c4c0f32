import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DIMENSION_NAMES, METRICS_NAMESPACE, MetricName } from '../shared/observability/metric-names';
import { resetConfigForTests } from '../shared/config';
import { call, setupApi } from './support/api';

// The EMF documents the handlers print are what CloudWatch turns into the metrics the alarms
// watch (infra/stack.test.ts checks the alarm side against metric-names.ts).

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

let printed: string[] = [];

function emfDocuments(): EmfDocument[] {
  return printed
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
}

function emitted(name: string): EmfDocument[] {
  return emfDocuments().filter((doc) => doc._aws.CloudWatchMetrics.some((set) => set.Metrics.some((metric) => metric.Name === name)));
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  await setupApi();
  // Captured, not passed on: the EMF lines would only clutter the test output.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
    printed.push(String(chunk));
    rest.find((argument): argument is () => void => typeof argument === 'function')?.();
    return true;
  });
});

afterEach(() => {
  printed = [];
});

describe('EMF metrics', () => {
  it('emits CallStarted with the service and stage dimensions on a start', async () => {
    const thread = await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } });
    await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } });
    const [doc] = emitted(MetricName.CallStarted);
    expect(doc?._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
    expect(doc?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual([...DEFAULT_DIMENSION_NAMES]);
    expect(doc).toMatchObject({ service: 'jitsi-calls', stage: 'local', CallStarted: 1 });
  });

  it('emits JoinFailed and JoinFailedByReason and AccessDenied when an outsider joins', async () => {
    const thread = await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } });
    const started = await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } });
    printed = [];
    const denied = await call('calls.join', { as: { sub: 'eve' }, params: { call_id: started.body.call_id } });
    expect(denied.status).toBe(403);
    expect(emitted(MetricName.JoinFailed)[0]).toMatchObject({ JoinFailed: 1, service: 'jitsi-calls', stage: 'local' });
    expect(emitted(MetricName.JoinFailedByReason)[0]).toMatchObject({ reason: 'not_a_thread_member', JoinFailedByReason: 1 });
    expect(emitted(MetricName.AccessDenied)[0]).toMatchObject({ reason: 'not_a_thread_member' });
    expect(emitted(MetricName.CallJoined)).toHaveLength(0);
  });

  it('counts a failed start but not a start that finds the call already running', async () => {
    const thread = await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } });
    await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } });
    printed = [];
    expect((await call('calls.start', { as: { sub: 'ben' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } })).status).toBe(
      409,
    );
    expect(emitted(MetricName.FailedToStartCall)).toHaveLength(0);
    expect((await call('calls.start', { as: { sub: 'eve' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } })).status).toBe(
      403,
    );
    expect(emitted(MetricName.FailedToStartCall)[0]).toMatchObject({ FailedToStartCall: 1 });
    expect(emitted(MetricName.FailedToStartCallByReason)[0]).toMatchObject({ reason: 'not_a_thread_member' });
  });

  it('still starts the call when the event cannot be published, and counts EventPublishFailed', async () => {
    const thread = await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } });
    const eventsFile = process.env.EVENTS_FILE;
    process.env.EVENTS_FILE = process.env.DATA_DIR; // a directory: appending to it fails
    resetConfigForTests();
    // The ERROR line is expected here: captured and checked, not printed into a passing run's output.
    const errors: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
      errors.push(String(chunk));
      rest.find((argument): argument is () => void => typeof argument === 'function')?.();
      return true;
    });
    try {
      printed = [];
      const started = await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } });
      expect(started.status).toBe(201);
      expect(emitted(MetricName.EventPublishFailed)[0]).toMatchObject({ EventPublishFailed: 1, service: 'jitsi-calls', stage: 'local' });
      expect(errors.join('')).toContain('"message":"event publish failed"');
    } finally {
      stderr.mockRestore();
      process.env.EVENTS_FILE = eventsFile;
      resetConfigForTests();
    }
  });

  it('prints no bearer token or Jitsi token in any log line', async () => {
    const thread = await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } });
    const started = await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
    const all = printed.join('');
    expect(all).toContain('"operation":"calls.start"');
    expect(all).not.toContain(started.body.jitsi.token);
    expect(all).not.toContain(process.env.JITSI_JWT_SECRET as string);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });
});
