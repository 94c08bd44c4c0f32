import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DIMENSION_NAMES, METRICS_NAMESPACE, MetricName } from '../shared/observability/metric-names';
import { resetConfigForTests } from '../shared/config';
import { call, setupApi } from './support/api';
import { readFileSync } from 'node:fs';

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

  it('still starts the call when the event cannot be published, counts EventPublishFailed, and delivers it once the sink is back', async () => {
    // Imported here, not at the top: the logger reads POWERTOOLS_LOG_LEVEL when first imported (after beforeAll).
    const { appendToEventsFile, relayOutboxOnce } = await import('../shared/events/local-relay');
    const { logger } = await import('../shared/observability/logger');
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
      // The event is in the outbox; the relay cannot hand it to the events file and keeps it.
      const loggedErrors = vi.spyOn(logger, 'error');
      expect(await relayOutboxOnce([appendToEventsFile])).toBe(0);
      expect(emitted(MetricName.EventPublishFailed)[0]).toMatchObject({ EventPublishFailed: 1, service: 'jitsi-calls', stage: 'local' });
      // The relay runs outside any invocation, where the test harness keeps the logger silent: watch the call itself.
      expect(loggedErrors.mock.calls.map(([message]) => message)).toContain('event delivery to a local consumer failed');
      loggedErrors.mockRestore();
      process.env.EVENTS_FILE = eventsFile;
      resetConfigForTests();
      expect(await relayOutboxOnce([appendToEventsFile])).toBeGreaterThan(0);
      const lines = readFileSync(eventsFile as string, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.filter((line) => line.detail.type === 'CallStarted' && line.detail.data.call_id === started.body.call_id)).toHaveLength(
        1,
      );
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
